"""Identity: the one user every context shares (``core.User``), its roles, the JWTs and
their authentication, the password and username rules, and the auth API
(``/api/v1/auth/``) with the GraphQL ``me``."""
