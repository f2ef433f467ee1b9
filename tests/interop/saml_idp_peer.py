"""A customer's SAML IdP built on pysaml2 (signing with the xmlsec1 binary), served over HTTP for the browser.

``GET /metadata`` is its IdP metadata; ``GET /sso`` (HTTP-Redirect) parses the AuthnRequest with
pysaml2 and shows a sign-in form; ``POST /sso`` answers with a signed assertion (RSA-SHA256) posted
to the SP's ACS by an auto-submitting form. The SP's metadata is fetched on the first request, so
the IdP can be described to the SP before the SP exists.
"""

from __future__ import annotations

import html
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server

from tests.support.saml_idp import key_pair

SHA256_RSA = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@dataclass
class SamlPeer:
    base: str
    directory: Path
    sp_metadata_url: str = ""
    server: Server | None = None
    groups: tuple[str, ...] = ("eng",)

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/metadata"

    def config(self, with_sp: bool) -> IdPConfig:
        settings: dict[str, Any] = {
            "entityid": self.metadata_url,
            "service": {
                "idp": {
                    "endpoints": {"single_sign_on_service": [(f"{self.base}/sso", BINDING_HTTP_REDIRECT)]},
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "want_authn_requests_signed": False,
                    "sign_response": False,
                    "sign_assertion": True,
                    "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None}},
                }
            },
            "key_file": str(self.directory / "idp.key"),
            "cert_file": str(self.directory / "idp.crt"),
            "xmlsec_binary": shutil.which("xmlsec1"),
            "signing_algorithm": SHA256_RSA,
            "digest_algorithm": SHA256,
        }
        if with_sp:
            self.directory.joinpath("sp.xml").write_bytes(httpx.get(self.sp_metadata_url).content)
            settings["metadata"] = {"local": [str(self.directory / "sp.xml")]}
        config = IdPConfig()
        config.load(settings)
        return config

    def metadata(self) -> str:
        return create_metadata_string(None, config=self.config(with_sp=False), valid=24).decode()

    def idp(self) -> Server:
        if self.server is None:
            self.server = Server(config=self.config(with_sp=True))
        return self.server

    def login_form(self, saml_request: str) -> str:
        request = self.idp().parse_authn_request(saml_request, BINDING_HTTP_REDIRECT)
        return (
            "<!doctype html><html lang='en'><title>Customer IdP</title><h1>Customer IdP sign-in</h1>"
            "<form method='post' action='/sso'>"
            f"<input type='hidden' name='SAMLRequest' value='{html.escape(saml_request)}'>"
            f"<input type='hidden' name='request_id' value='{html.escape(request.message.id)}'>"
            "<label>Username <input name='username'></label><button>Sign in</button></form></html>"
        )

    def answer(self, form: dict[str, str]) -> str:
        """pysaml2 builds and signs the Response; the browser posts it to the ACS the SP asked for."""
        server = self.idp()
        request = server.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT).message
        email = form["username"]
        response = server.create_authn_response(
            identity={"email": [email], "name": [email.split("@")[0].title()], "groups": list(self.groups)},
            in_response_to=request.id,
            destination=request.assertion_consumer_service_url,
            sp_entity_id=request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_assertion=True,
            sign_response=False,
            sign_alg=SHA256_RSA,
            digest_alg=SHA256,
        )
        post = server.apply_binding(
            BINDING_HTTP_POST, str(response), request.assertion_consumer_service_url, response=True
        )
        return str(post["data"])


def _handler(peer: SamlPeer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, body: str, content_type: str = "text/html; charset=utf-8") -> None:
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            if url.path == "/metadata":
                self._send(peer.metadata(), "application/samlmetadata+xml")
            elif url.path == "/sso" and "SAMLRequest" in query:
                self._send(peer.login_form(query["SAMLRequest"][0]))
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            self._send(peer.answer(form))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def saml_peer(directory: Path) -> Iterator[SamlPeer]:
    keys = key_pair("customer idp")
    directory.joinpath("idp.key").write_bytes(keys.key_pem)
    directory.joinpath("idp.crt").write_text(keys.cert_pem)
    peer = SamlPeer("", directory)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(peer))
    peer.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
