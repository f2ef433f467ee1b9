// Sends the SAML Response to the service provider as soon as the page loads (SAML Bindings 3.5).
// A same-origin script keeps the pages' Content-Security-Policy free of inline code; without
// JavaScript the form's button does the same.
document.getElementById("saml-post").submit();
