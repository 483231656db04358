/** The SWMRA mark: a white leaf on a teal disc (the same drawing as the PWA icons). */
export function Logo({ className = '' }: { className?: string }) {
  return (
    <svg viewBox="0 0 64 64" className={className} aria-hidden="true">
      <circle cx="32" cy="32" r="32" fill="#0f766e" />
      <g transform="translate(32 32) rotate(-45)">
        <path d="M-19.2 0A25 25 0 0 1 19.2 0A25 25 0 0 1-19.2 0Z" fill="#ffffff" />
        <path d="M-12.8 0H12.8" stroke="#0f766e" strokeWidth="2.3" />
        <path d="M-25.6 0H-18" stroke="#ffffff" strokeWidth="2.8" />
      </g>
    </svg>
  );
}
