"""The SAML IdP's pages: metadata, the SSO endpoint, the IdP-initiated link and the auto-posting answer."""
