// manifest-link.js: points the page's manifest link at this responder's own manifest, before
// the browser reads it (a classic script in <head>, so it runs first).
document.getElementById('manifest').href = `${location.pathname.replace(/\/+$/, '')}/manifest.webmanifest`;
