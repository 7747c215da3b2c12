"""The Lua scripts the cache runs in Redis: each is one atomic check-and-act."""

from __future__ import annotations

# Store an entry only if its namespace is still on the generation it was computed under:
# KEYS = entry, generation counter; ARGV = encoded entry, generation, time to keep (ms).
STORE_IF_CURRENT = """
local current = redis.call('GET', KEYS[2]) or '0'
if current == ARGV[2] then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
    return 1
end
return 0
"""

# Release a lock only if this caller still holds it (it may have expired and been taken since):
# KEYS = lock; ARGV = the holder's token.
RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
