"""What an operator asks for when onboarding a customer; validated before anything is written (SPEC L1)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tenantry.core import customer
from tenantry.core.customer import Pattern, Tier
from tenantry.core.errors import InvalidInput
from tenantry.core.names import domain_name


class CustomerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=255)
    slug: str = Field(max_length=30)
    tier: Tier = "shared"
    pattern: Pattern = "isolated-org"
    region: str | None = Field(None, max_length=63)
    cloud: str | None = Field(None, max_length=63)
    version_pin: str | None = Field(None, max_length=64)
    domains: list[str] = Field(default_factory=list)
    custom_domain: str | None = Field(None, max_length=253, description="Pattern B: the realm's own domain.")
    data_residency: str | None = Field(None, max_length=63)
    baa_signed: bool = False
    isolation_notes: str | None = Field(None, max_length=2000)
    trial: bool = Field(False, description="Stay in trial after onboarding instead of becoming active.")
    data_plane_ref: str | None = Field(None, max_length=255, description="A secret reference, never a secret.")

    def checked(self) -> CustomerSpec:
        customer.slug(self.slug)
        customer.region(self.region)
        customer.refs({"data_plane_ref": self.data_plane_ref})
        if self.custom_domain is not None and self.pattern != "realm":
            raise InvalidInput("only a customer with its own realm has a custom domain", code="invalid_request")
        return self.model_copy(
            update={
                "domains": customer.domains(self.domains),
                "custom_domain": domain_name(self.custom_domain) if self.custom_domain else None,
            }
        )


def parse_spec(values: dict[str, Any]) -> CustomerSpec:
    """400 with the offending fields; a ``*_ref`` that holds a raw secret is refused without echoing it."""
    try:
        spec = CustomerSpec.model_validate(values)
    except ValidationError as exc:
        problems = [
            {"loc": [str(part) for part in error["loc"]], "msg": error["msg"]}
            for error in exc.errors(include_input=False)
        ]
        raise InvalidInput("the customer is invalid", code="invalid_request", details={"errors": problems}) from exc
    return spec.checked()
