"""Two independent SAML service providers to check our IdP with: pysaml2 and python3-saml (OneLogin).

Each is configured only from our IdP metadata (fetched over HTTP by the test), never from our code,
and each validates the Response by its own rules: signatures (response and assertion), audience,
recipient, destination, InResponseTo, time conditions.
"""

from __future__ import annotations

import base64
import re
import shutil
import zlib
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from lxml import etree

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
FIELD = re.compile(r'<input type="hidden" name="(SAMLResponse|RelayState)" value="([^"]*)"')


@dataclass(frozen=True)
class Posted:
    """What our auto-submitting page would post: the action (ACS), the SAMLResponse, the RelayState."""

    acs_url: str
    saml_response: str
    relay_state: str | None

    @classmethod
    def from_page(cls, html: str) -> Posted:
        action = FORM_ACTION.search(html)
        assert action, f"no auto-posting form on the page:\n{html[:2000]}"
        fields = {name: unescape(value) for name, value in FIELD.findall(html)}
        return cls(unescape(action.group(1)), fields["SAMLResponse"], fields.get("RelayState"))

    def xml(self) -> bytes:
        return base64.b64decode(self.saml_response)


def idp_from_metadata(xml: bytes) -> dict[str, Any]:
    root = etree.fromstring(xml)
    sso = root.find(f".//{{{MD}}}SingleSignOnService[@Binding='{REDIRECT}']")
    certificates = [item.text for item in root.iter(f"{{{DS}}}X509Certificate")]
    return {"entity_id": root.get("entityID"), "sso": sso.get("Location"), "certificates": certificates}


def xmlsec_binary() -> str | None:
    return shutil.which("xmlsec1")


@dataclass
class Pysaml2Sp:
    entity_id: str
    acs_url: str
    idp_metadata: bytes
    allow_unsolicited: bool = True
    client: Any = field(init=False)

    def __post_init__(self) -> None:
        from saml2.client import Saml2Client
        from saml2.config import SPConfig

        config = {
            "entityid": self.entity_id,
            "metadata": {"inline": [self.idp_metadata.decode()]},
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(self.acs_url, POST)]},
                    "want_response_signed": True,
                    "want_assertions_signed": True,
                    "authn_requests_signed": False,
                    "allow_unsolicited": self.allow_unsolicited,
                    "name_id_format": UNSPECIFIED,
                }
            },
            "xmlsec_binary": xmlsec_binary(),
            "allow_unknown_attributes": True,
            "accepted_time_diff": 60,
        }
        spconfig = SPConfig()
        spconfig.load(config)
        self.client = Saml2Client(config=spconfig)

    def authn_request(self, binding: str, relay_state: str | None) -> tuple[str, str, dict[str, str]]:
        """(request id, URL to visit, form fields for POST) of a fresh AuthnRequest."""
        idp = next(iter(self.client.metadata.identity_providers()))
        request_id, info = self.client.prepare_for_authenticate(
            entityid=idp, relay_state=relay_state or "", binding=binding
        )
        if binding == REDIRECT:
            location = dict(info["headers"])["Location"]
            return request_id, location, {}
        html = info["data"]
        action = re.search(r'action="([^"]+)"', html).group(1)
        fields = dict(re.findall(r'name="(SAMLRequest|RelayState)" value="([^"]*)"', html))
        return request_id, unescape(action), {key: unescape(value) for key, value in fields.items()}

    def accept(self, posted: Posted, request_id: str | None) -> dict[str, Any]:
        from saml2 import BINDING_HTTP_POST

        outstanding = {request_id: "/"} if request_id else {}
        response = self.client.parse_authn_request_response(posted.saml_response, BINDING_HTTP_POST, outstanding)
        assert response is not None, "pysaml2 refused the response"
        return {"name_id": response.name_id.text, "attributes": response.ava, "in_response_to": response.in_response_to}


@dataclass
class OneLoginSp:
    entity_id: str
    acs_url: str
    idp: dict[str, Any]
    key_pair: tuple[str, str] | None = None
    """(private key, certificate) when the SP wants encrypted assertions."""

    def settings(self) -> dict[str, Any]:
        return {
            "strict": True,
            "debug": False,
            "sp": {
                "entityId": self.entity_id,
                "assertionConsumerService": {"url": self.acs_url, "binding": POST},
                "NameIDFormat": UNSPECIFIED,
                **({"privateKey": self.key_pair[0], "x509cert": self.key_pair[1]} if self.key_pair else {}),
            },
            "idp": {
                "entityId": self.idp["entity_id"],
                "singleSignOnService": {"url": self.idp["sso"], "binding": REDIRECT},
                "x509certMulti": {"signing": self.idp["certificates"]},
            },
            "security": {
                "wantAssertionsSigned": True,
                "wantMessagesSigned": True,
                "requestedAuthnContext": False,
                "rejectDeprecatedAlgorithm": True,
                "wantAssertionsEncrypted": self.key_pair is not None,
            },
        }

    def _request_data(self, post: dict[str, str] | None = None) -> dict[str, Any]:
        parts = urlsplit(self.acs_url)
        return {
            "https": "on" if parts.scheme == "https" else "off",
            "http_host": parts.netloc,
            "script_name": parts.path,
            "get_data": {},
            "post_data": post or {},
        }

    def authn_request(self, binding: str, relay_state: str | None) -> tuple[str, str, dict[str, str]]:
        from onelogin.saml2.auth import OneLogin_Saml2_Auth
        from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request
        from onelogin.saml2.settings import OneLogin_Saml2_Settings

        if binding == REDIRECT:
            auth = OneLogin_Saml2_Auth(self._request_data(), self.settings())
            url = auth.login(return_to=relay_state)
            return auth.get_last_request_id(), url, {}
        request = OneLogin_Saml2_Authn_Request(OneLogin_Saml2_Settings(self.settings()))
        fields = {
            "SAMLRequest": base64.b64encode(
                request.get_xml().encode() if isinstance(request.get_xml(), str) else request.get_xml()
            ).decode()
        }
        if relay_state:
            fields["RelayState"] = relay_state
        return request.get_id(), self.idp["sso"], fields

    def accept(self, posted: Posted, request_id: str | None) -> dict[str, Any]:
        from onelogin.saml2.auth import OneLogin_Saml2_Auth

        post = {"SAMLResponse": posted.saml_response}
        if posted.relay_state is not None:
            post["RelayState"] = posted.relay_state
        auth = OneLogin_Saml2_Auth(self._request_data(post), self.settings())
        auth.process_response(request_id=request_id)
        assert not auth.get_errors(), f"python3-saml refused: {auth.get_errors()} {auth.get_last_error_reason()}"
        assert auth.is_authenticated()
        return {"name_id": auth.get_nameid(), "attributes": auth.get_attributes(), "in_response_to": request_id}


def redirect_request(url: str, xml: bytes, relay_state: str | None = None) -> str:
    """An HTTP-Redirect binding URL for hand-made (hostile) AuthnRequests."""
    deflated = zlib.compress(xml)[2:-4]
    params = {"SAMLRequest": base64.b64encode(deflated).decode()}
    if relay_state is not None:
        params["RelayState"] = relay_state
    return f"{url}?{urlencode(params)}"


def request_id_of(url: str) -> str:
    message = parse_qs(urlsplit(url).query)["SAMLRequest"][0]
    xml = zlib.decompress(base64.b64decode(message), -15)
    return etree.fromstring(xml).get("ID")


def sp_key_pair() -> tuple[str, str]:
    """(private key PEM, self-signed certificate PEM) for an SP that decrypts assertions."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sp.example.com")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return private.decode(), certificate.public_bytes(serialization.Encoding.PEM).decode()
