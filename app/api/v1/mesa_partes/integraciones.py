"""(being written in this change)"""

from fastapi import APIRouter

router = APIRouter(tags=["integraciones"])
