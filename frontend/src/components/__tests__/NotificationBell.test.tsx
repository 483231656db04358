import { describe, expect, it } from 'vitest';
import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { NotificationBell } from '../NotificationBell';
import { notificationStore, receiveNotification } from '../../stores/notifications';
import { renderAt, signIn } from '../../test/render';
import { fakeFetch } from '../../test/fakeFetch';
import { citizen, makeNotification } from '../../test/fixtures';

describe('NotificationBell', () => {
  it('shows the unread count, announces changes politely, and updates live', () => {
    signIn(citizen);
    notificationStore.set({ items: [makeNotification({ id: 'a' })], unread: 1 });
    renderAt(<NotificationBell />);
    expect(screen.getByRole('button', { name: 'Notifications, 1 unread' })).toBeInTheDocument();
    const live = screen.getByTestId('bell-live');
    expect(live).toHaveAttribute('aria-live', 'polite');
    expect(live).toHaveTextContent('Notifications, 1 unread');
    act(() => receiveNotification(makeNotification({ id: 'b', title: 'Crew on the way' })));
    expect(screen.getByTestId('bell-count')).toHaveTextContent('2');
    expect(live).toHaveTextContent('Notifications, 2 unread');
  });

  it('opens a panel, closes on Escape with focus back on the bell, and marks all read', async () => {
    signIn(citizen);
    const net = fakeFetch({ 'POST /api/notifications/read-all': {} });
    notificationStore.set({ items: [makeNotification({ id: 'a', title: 'Pickup scheduled' })], unread: 1 });
    renderAt(<NotificationBell />);
    const bell = screen.getByRole('button', { name: /notifications/i });
    await userEvent.click(bell);
    expect(bell).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('region', { name: 'Notifications' })).toHaveTextContent('Pickup scheduled');
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('region', { name: 'Notifications' })).not.toBeInTheDocument();
    expect(bell).toHaveFocus();
    await userEvent.click(bell);
    await userEvent.click(screen.getByRole('button', { name: 'Mark all as read' }));
    await waitFor(() => expect(net.find('POST', '/api/notifications/read-all')).toHaveLength(1));
    expect(screen.queryByTestId('bell-count')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Notifications' })).toBeInTheDocument();
  });

  it('opens the related request and marks the item read', async () => {
    signIn(citizen);
    const net = fakeFetch({ 'POST /api/notifications/:id/read': {} });
    notificationStore.set({ items: [makeNotification({ id: 'n7', title: 'Crew on the way', meta: { request_id: 'r42' } })], unread: 1 });
    renderAt(<NotificationBell />);
    await userEvent.click(screen.getByRole('button', { name: /notifications/i }));
    await userEvent.click(screen.getByRole('button', { name: /crew on the way/i }));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/requests/r42'));
    expect(net.find('POST', '/api/notifications/n7/read')).toHaveLength(1);
  });
});
