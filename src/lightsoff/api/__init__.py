"""The HTTP API: an app factory, versioned routers, schemas and problem+json errors.

Routes parse input, call one service and map its result; no queries or business decisions here.
"""
