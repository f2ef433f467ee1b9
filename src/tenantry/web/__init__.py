"""The only framework code: the ASGI app (composition root), middleware and routers."""
