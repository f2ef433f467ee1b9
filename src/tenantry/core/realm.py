"""The realm: the hard isolation unit with its own issuer, keys, connections and organizations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from .branding import Branding
from .policy import Policy


class RealmSettings(BaseModel):
    """Realm-wide membership rules (SPEC B3, B8), token options and the hosted pages' branding."""

    model_config = ConfigDict(extra="forbid")

    max_orgs_per_user: int | None = Field(None, ge=1, description="Cap on memberships per user (B3).")
    require_organization: bool = Field(False, description="Users need at least one membership (B3).")
    org_name_in_tokens: bool = Field(True, description="Tokens carry `org_name` beside `org_id` (D4).")
    organization_label: str = Field(
        "organization", min_length=1, max_length=40, description="What hosted pages call an organization (B8)."
    )
    branding: Branding = Field(default_factory=Branding, description="The hosted pages' name, logo and colour.")


@dataclass(slots=True)
class Realm:
    id: str
    name: str
    display_name: str
    home_plane_id: str
    created_at: datetime
    custom_domain: str | None = None
    settings: RealmSettings = field(default_factory=RealmSettings)
    policy: Policy = field(default_factory=Policy)

    def issuer(self, base_url: str) -> str:
        if self.custom_domain:
            return f"https://{self.custom_domain}"
        return f"{base_url}/realms/{self.name}"
