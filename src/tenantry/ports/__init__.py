"""The interfaces the domain needs (typing.Protocol); storage and adapters implement them."""
