"""Django's database cache with an atomic `incr` and a cull that never evicts live entries.

Django's DatabaseCache implements `incr` as get-then-set, so two web processes counting the same
throttle key at once both write n+1 and one hit is lost. Here `incr` is a compare-and-swap: the UPDATE
only applies if the stored value is still the one read, otherwise it reads again. The table is the one
`createcachetable` makes (the migration accounts.0002 creates it for every database).

Django's cull deletes a third of the rows by key order once the table passes MAX_ENTRIES, live or
not; for throttle counters that would hand an attacker a fresh count. This cull deletes only expired
rows (a counter outlives its window by a minute, see ortaq.lib.throttle).
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router
from django.utils.timezone import now as tz_now

TABLE = "ortaq_cache"


class DatabaseCache(DjangoDatabaseCache):
    def _encode(self, value) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        with connection.cursor() as cursor:
            for _attempt in range(100):
                cursor.execute(
                    f"SELECT {quote_name('value')}, {quote_name('expires')} FROM {table} WHERE {quote_name('cache_key')} = %s",
                    [key],
                )
                row = cursor.fetchone()
                if row is None:
                    raise ValueError(f"Key '{key}' not found.")
                raw, expires = row
                for converter in converters:
                    expires = converter(expires, expression, connection)
                if expires < tz_now():
                    raise ValueError(f"Key '{key}' not found.")
                raw = connection.ops.process_clob(raw)
                new_value = pickle.loads(base64.b64decode(raw.encode(), validate=True)) + delta
                cursor.execute(
                    f"UPDATE {table} SET {quote_name('value')} = %s WHERE {quote_name('cache_key')} = %s AND {quote_name('value')} = %s",
                    [self._encode(new_value), key, raw],
                )
                if cursor.rowcount == 1:
                    return new_value
        raise RuntimeError(f"cache key '{key}' kept changing under 100 concurrent increments")

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)

    def _cull(self, db, cursor, now, num):
        table = connections[db].ops.quote_name(self._table)
        expires = connections[db].ops.quote_name("expires")
        cursor.execute(f"DELETE FROM {table} WHERE {expires} < %s", [connections[db].ops.adapt_datetimefield_value(now)])
