// Reload as soon as the connection is back (kept out of offline.html for the CSP).
window.addEventListener('online', function () {
  location.reload();
});
document.getElementById('retry')?.addEventListener('click', function () {
  location.reload();
});
