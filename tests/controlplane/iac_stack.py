"""A small infrastructure-as-code command for the ``command`` provisioner's tests.

Reads Tenantry's JSON request on stdin and keeps one state file per plane in ``$IAC_STATE_DIR``, as
a Pulumi or Terraform stack keeps its state: ``provision`` is create-or-get, ``destroy`` removes it.
With ``IAC_LEAK=1`` it answers with a raw DSN instead of a secret reference (Tenantry must refuse it).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main() -> int:
    request = json.load(sys.stdin)
    state = Path(os.environ["IAC_STATE_DIR"]) / f"{request['plane']['name']}.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    if request["action"] == "destroy":
        state.unlink(missing_ok=True)
        print("{}")
        return 0
    if not state.exists():
        state.write_text(json.dumps({"customer": request["customer"], "region": request["region"], "applies": 0}))
    stack = json.loads(state.read_text())
    stack["applies"] += 1
    state.write_text(json.dumps(stack))
    ref = f"vault:secret/tenantry/{request['customer']}/dsn"
    if os.environ.get("IAC_LEAK") == "1":
        ref = "postgresql://app:hunter2-not-a-ref@db.internal/plane"
    answer = {
        "stack_name": f"tenantry-{request['customer']}",
        "endpoint": f"https://{request['customer']}.{request['region'] or 'default'}.example.com",
        "data_plane_ref": ref,
        "outputs": {"applies": stack["applies"]},
    }
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
