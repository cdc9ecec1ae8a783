"""tamtru: a demo public service (temporary residence registration, "đăng ký tạm trú")
that signs citizens in with dinhdanh as an ordinary OpenID Connect client and fills its
form from the released claims.

It talks to dinhdanh only over HTTP (discovery, authorization, token, JWKS, logout) and
imports nothing from the `dinhdanh` package: any provider that publishes the same
discovery document and claims would do.
"""
