"""Use cases shared by the admin API, the CLI and the console: each checks access, applies the rules, audits."""
