import { createStore } from '../lib/store';
import { rewardsApi } from '../api/endpoints';
import { errorMessage } from '../api/client';
import type { RewardsSummary } from '../api/types';

export interface RewardsState {
  summary: RewardsSummary | null;
  loading: boolean;
  error: string | null;
}

export const rewardsStore = createStore<RewardsState>({ summary: null, loading: false, error: null });

export async function loadRewards(): Promise<void> {
  rewardsStore.set({ loading: true });
  try {
    const summary = await rewardsApi.summary();
    rewardsStore.set({ summary, error: null });
  } catch (err) {
    rewardsStore.set({ error: errorMessage(err) });
  } finally {
    rewardsStore.set({ loading: false });
  }
}
