"""Request dependencies that know no domain: the unit of work and a path id."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import get_session

# scope="function": the session commits before the response is sent, so a failed commit is an error
# response and never a success the client was already told about.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


IdPath = Annotated[int, Path(ge=1, le=2**63 - 1)]
