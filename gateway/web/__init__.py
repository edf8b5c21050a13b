"""The ASGI vocabulary both transports share: types, responses, media-type negotiation."""
