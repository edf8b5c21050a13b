"""Signing keys shared by the gateway (signs subgraph credentials) and the subgraphs (verify
them): load PEM keys, name them (``kid``), make a new one for local use.

Ed25519 (JWS ``EdDSA``) by default; P-256 (``ES256``) keys are accepted too, for HSMs and
clouds that do not offer Ed25519. Nothing here knows about tokens' claims.
"""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from rumah.common.secret_settings import SecretSettingError

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey

_PUBLIC_BLOCK = re.compile(
    r"-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\s]+?-----END PUBLIC KEY-----", re.S
)


class KeyConfigError(SecretSettingError):
    """A key setting holds no usable key (the message never shows key material)."""


def algorithm(key: PrivateKey | PublicKey) -> str:
    """The JWS algorithm for ``key``: EdDSA (Ed25519) or ES256 (P-256)."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise KeyConfigError(f"unsupported curve {key.curve.name}; use Ed25519 or P-256")


def key_id(public: PublicKey) -> str:
    """A stable name for ``public``: the first 16 characters of the base64url SHA-256 of its
    SubjectPublicKeyInfo (so rotation needs no separate naming step)."""
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode()[:16]


def load_private_key(pem: str, setting: str) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise KeyConfigError(f"{setting}: not an unencrypted PEM private key") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyConfigError(f"{setting}: use an Ed25519 or P-256 key")
    algorithm(key)
    return key


def load_public_keys(pem: str, setting: str) -> dict[str, PublicKey]:
    """Every ``PUBLIC KEY`` block of ``pem`` by key id (several: a rotation in progress)."""
    keys: dict[str, PublicKey] = {}
    for block in _PUBLIC_BLOCK.findall(pem):
        try:
            key = serialization.load_pem_public_key(block.encode())
        except ValueError:
            raise KeyConfigError(f"{setting}: a PUBLIC KEY block does not parse") from None
        if not isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
            raise KeyConfigError(f"{setting}: use Ed25519 or P-256 keys")
        algorithm(key)
        keys[key_id(key)] = key
    if not keys:
        raise KeyConfigError(f"{setting}: no PEM PUBLIC KEY block found")
    return keys


def new_signing_key() -> tuple[str, str]:
    """A fresh Ed25519 key: ``(private PEM, public PEM)``."""
    private = ed25519.Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return private_pem, public_pem(private)


def public_pem(private: PrivateKey) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
