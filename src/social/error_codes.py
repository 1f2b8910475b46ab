"""The problems social refuses with, as its siblings' ``error_codes`` name theirs. Social
has no codes of its own: it answers with core's generic ones (each has a page under
/problems/), named here so services and selectors raise typed problems."""

from __future__ import annotations

from core.http.catalogue import ProblemCode

NOT_AUTHENTICATED = ProblemCode.NOT_AUTHENTICATED.problem
NOT_FOUND = ProblemCode.NOT_FOUND.problem
PERMISSION_DENIED = ProblemCode.PERMISSION_DENIED.problem
