import base64, secrets, time
import msgspec
from backend.identity import rotation
from backend.identity.service import encrypt_id_number, id_number_index
from backend.platform import runtime
from backend.platform.database import connection
from tests import factories as f


async def test_bench(app, settings):
    n = 20000
    numbers = [f.id_number() for _ in range(n)]
    t = time.perf_counter()
    rows = [(id_number_index(x), encrypt_id_number(x), "张三") for x in numbers]
    async with connection() as conn:
        await conn.executemany(
            "INSERT INTO citizen (id_number_index, id_number_encrypted, name, created_at, change_counter) VALUES ($1,$2,$3,now(),0)", rows)
    rt = runtime.current()
    before = rt.settings
    k = lambda: base64.b64encode(secrets.token_bytes(32)).decode()
    rt.settings = msgspec.structs.replace(before, id_encryption_key=k(), id_encryption_key_id="2", id_encryption_old_keys=f"1:{before.id_encryption_key}", id_index_key=k(), id_index_key_id="2", id_index_old_keys=f"1:{before.id_index_key}")
    try:
        rw = next(r for r in rotation.rewrites() if r.table == "citizen")
        t = time.perf_counter()
        done = await rotation.rotate_table(rw, 500)
        dt = time.perf_counter() - t
        print(f"\nROTATED {done} rows in {dt:.2f}s = {done/dt:.0f} rows/s")
        t = time.perf_counter()
        left = await rotation.count_stale(rw)
        print(f"STALE COUNT {left} in {time.perf_counter()-t:.3f}s")
        from backend.identity.service import adopt_current_keys
        t = time.perf_counter()
        for x in numbers[:200]:
            await adopt_current_keys([x])
        print(f"ADOPT (rotating, nothing to move) {(time.perf_counter()-t)/200*1000:.2f} ms each")
    finally:
        rt.settings = before
