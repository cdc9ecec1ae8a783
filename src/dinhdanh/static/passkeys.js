// Passkeys (WebAuthn) on the citizen's pages: register one on /me/security, sign in with one
// alone on /me/login (#passkey-button) or as the second step on /me/login/verify
// (#passkey-verify). A file, not an inline script: the pages keep script-src 'self'.
// The server speaks base64url; the browser's WebAuthn API speaks ArrayBuffer.
(function () {
  "use strict";

  function toBuffer(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var binary = atob(b64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  // POST JSON; a problem+json answer becomes an Error carrying the server's message.
  async function post(url, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": csrfToken()
      },
      body: JSON.stringify(body)
    });
    var data = {};
    try { data = await response.json(); } catch (ignored) { data = {}; }
    if (!response.ok) {
      var error = new Error(data.detail || data.title || String(response.status));
      error.fromServer = true;
      throw error;
    }
    return data;
  }

  function creationOptions(options) {
    options.challenge = toBuffer(options.challenge);
    options.user.id = toBuffer(options.user.id);
    (options.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBuffer(options.challenge);
    (options.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return options;
  }

  function common(credential) {
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults
        ? credential.getClientExtensionResults() : {}
    };
  }

  function registrationJSON(credential) {
    var out = common(credential);
    var r = credential.response;
    out.response = {
      clientDataJSON: toBase64url(r.clientDataJSON),
      attestationObject: toBase64url(r.attestationObject),
      transports: r.getTransports ? r.getTransports() : []
    };
    return out;
  }

  function assertionJSON(credential) {
    var out = common(credential);
    var r = credential.response;
    out.response = {
      clientDataJSON: toBase64url(r.clientDataJSON),
      authenticatorData: toBase64url(r.authenticatorData),
      signature: toBase64url(r.signature),
      userHandle: r.userHandle ? toBase64url(r.userHandle) : null
    };
    return out;
  }

  function showError(box, message) {
    if (!box) { return; }
    box.textContent = message;
    box.hidden = false;
  }

  async function signIn(button, mode, errorBox) {
    var failed = "";
    button.disabled = true;
    if (errorBox) { errorBox.hidden = true; }
    try {
      var got = await post("/me/login/passkey/options", { mode: mode });
      failed = got.failed;
      var credential = await navigator.credentials.get({ publicKey: requestOptions(got.options) });
      var done = await post("/me/login/passkey", {
        mode: mode,
        credential: assertionJSON(credential),
        next: button.getAttribute("data-next") || ""
      });
      window.location.assign(done.next);
    } catch (error) {
      showError(errorBox, error.fromServer ? error.message : (failed || error.message));
      button.disabled = false;
    }
  }

  async function register(form, errorBox) {
    var button = document.getElementById("passkey-register-button");
    var failed = "";
    button.disabled = true;
    errorBox.hidden = true;
    try {
      var got = await post("/me/passkeys/register/options", {
        password: document.getElementById("passkey-password").value
      });
      failed = got.failed;
      var credential = await navigator.credentials.create({
        publicKey: creationOptions(got.options)
      });
      var done = await post("/me/passkeys/register", {
        credential: registrationJSON(credential),
        name: document.getElementById("passkey-name").value
      });
      window.location.assign(done.next);
    } catch (error) {
      showError(errorBox, error.fromServer ? error.message : (failed || error.message));
      button.disabled = false;
    }
  }

  if (!window.PublicKeyCredential || !navigator.credentials) { return; }

  var alone = document.getElementById("passkey-signin");
  var aloneButton = document.getElementById("passkey-button");
  if (alone && aloneButton) {
    alone.hidden = false;
    aloneButton.addEventListener("click", function () {
      signIn(aloneButton, "signin", alone.querySelector("#passkey-error"));
    });
  }

  var verifyButton = document.getElementById("passkey-verify");
  if (verifyButton) {
    verifyButton.addEventListener("click", function () {
      signIn(verifyButton, "verify", document.getElementById("passkey-error"));
    });
  }

  var form = document.getElementById("passkey-register");
  if (form) {
    var unsupported = document.getElementById("passkey-unsupported");
    if (unsupported) { unsupported.hidden = true; }
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      register(form, form.querySelector("#passkey-error"));
    });
  }
})();
