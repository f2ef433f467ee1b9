// Passkeys on the hosted pages: fetch options from the same origin, ask the browser, post the answer.
// Loaded as a same-origin file so the pages' Content-Security-Policy needs no inline script.
(function () {
  "use strict";

  function toBytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); });
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBytes(descriptors) {
    return (descriptors || []).map(function (d) { return Object.assign({}, d, { id: toBytes(d.id) }); });
  }

  function creation(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = withBytes(options.excludeCredentials);
    return options;
  }

  function request(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = withBytes(options.allowCredentials);
    return options;
  }

  function serialise(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      response.userHandle = r.userHandle ? toText(r.userHandle) : null;
    }
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined
    });
  }

  async function use(button) {
    var form = button.closest("form");
    var status = form.querySelector("[data-passkey-status]");
    try {
      var answer = await fetch(button.dataset.optionsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!answer.ok) { throw new Error("no options"); }
      var options = await answer.json();
      var credential = button.dataset.passkey === "register"
        ? await navigator.credentials.create({ publicKey: creation(options) })
        : await navigator.credentials.get({ publicKey: request(options) });
      form.querySelector("input[name=credential]").value = serialise(credential);
      form.submit();
    } catch (error) {
      if (status) { status.textContent = "The passkey was not used. Try again, or choose another way."; }
    }
  }

  if (!window.PublicKeyCredential) { return; }
  document.querySelectorAll("[data-passkey]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { use(button); });
  });
})();
