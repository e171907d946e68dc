// A session that ended while the page was open (sign-out elsewhere, timeout, a disabled account):
// the next callback or tile answers 401, and the page goes to the sign-in form, coming back here.
(function () {
  "use strict";
  const original = window.fetch;
  let leaving = false;
  window.fetch = async function (...args) {
    const response = await original.apply(this, args);
    if (response.status === 401 && !leaving) {
      leaving = true;
      const here = window.location.pathname + window.location.search;
      window.location.assign("/login?next=" + encodeURIComponent(here));
    }
    return response;
  };
})();
