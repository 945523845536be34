"""Workarounds that let slivka 0.8.5b7 run on FerretDB 1.24 (PostgreSQL backend), for Damson's
side-by-side benchmark (bench/slivka-side-by-side.ts) only.

Imported by the slivka processes that benchmark starts (the scheduler, and each gunicorn worker
through gunicorn_shim.py) before slivka talks to the store. It changes pymongo's Collection, not
slivka, and only where FerretDB 1.24 cannot do what slivka asks:

1. aggregate() with a $group stage whose accumulators are $push or $first: FerretDB answers
   NotImplemented (code 238). slivka's scheduler groups requests by (service, runner) with $push
   on every cycle, and its service listing takes the newest status per runner with $first. Such a
   pipeline ($match, an optional $sort, then that $group) is run here as one find() and grouped
   in Python, in the order the documents arrive, as MongoDB does; the result is a plain iterator
   (slivka only iterates it), not a cursor. Any other pipeline goes to the server unchanged.
2. bulk_write() of many statements: FerretDB's update command keeps the query of every statement
   open until the whole command ends, each on its own PostgreSQL connection from a pool of 50, so
   a command of 50 statements or more never returns (49 return in 0.3 s), and the exhausted pool
   then stalls every other client. slivka's scheduler writes all state changes of a cycle in one bulk_write,
   so here it is sent in consecutive chunks of at most CHUNK statements. (Chunks run in order; an
   error stops the remaining chunks, as an ordered bulk write would.)

Each workaround, the first time a process uses it, touches <pid>.<name> in the directory named by
DAMSON_BENCH_SHIM_MARKS (when set), so the benchmark can report which ones slivka needed.
"""
import os

from pymongo.collection import Collection

CHUNK = 16
ACCUMULATORS = ('$push', '$first')

_original_aggregate = Collection.aggregate
_original_bulk_write = Collection.bulk_write
_marked = set()


def _mark(name):
    if name in _marked:
        return
    _marked.add(name)
    directory = os.environ.get('DAMSON_BENCH_SHIM_MARKS')
    if directory:
        with open(os.path.join(directory, '%d.%s' % (os.getpid(), name)), 'w'):
            pass


def _field_path(expr):
    """'$a.b' -> 'a.b'; None for anything that is not a plain field path."""
    if isinstance(expr, str) and expr.startswith('$') and not expr.startswith('$$'):
        return expr[1:]
    return None


def _supported_expression(expr):
    if expr in ('$$CURRENT', '$$ROOT') or _field_path(expr) is not None:
        return True
    if isinstance(expr, dict):
        return all(not key.startswith('$') and _supported_expression(value)
                   for key, value in expr.items())
    return False


def _evaluate(doc, expr):
    if expr in ('$$CURRENT', '$$ROOT'):
        return doc
    path = _field_path(expr)
    if path is not None:
        value = doc
        for part in path.split('.'):
            value = value.get(part) if isinstance(value, dict) else None
        return value
    return {key: _evaluate(doc, value) for key, value in expr.items()}


def _plan(pipeline):
    """(filter, sort, group) for a pipeline this module runs itself, else None."""
    if not isinstance(pipeline, list) or not pipeline:
        return None
    stages = list(pipeline)
    match = stages.pop(0)['$match'] if '$match' in stages[0] and len(stages[0]) == 1 else {}
    sort = None
    if stages and len(stages[0]) == 1 and '$sort' in stages[0]:
        sort = stages.pop(0)['$sort']
    if len(stages) != 1 or len(stages[0]) != 1 or '$group' not in stages[0]:
        return None
    group = stages[0]['$group']
    if not _supported_expression(group.get('_id')):
        return None
    accumulators = {}
    for name, spec in group.items():
        if name == '_id':
            continue
        if not (isinstance(spec, dict) and len(spec) == 1):
            return None
        (operator, expr), = spec.items()
        if operator not in ACCUMULATORS or not _supported_expression(expr):
            return None
        accumulators[name] = (operator, expr)
    if not accumulators:
        return None
    return match, sort, group['_id'], accumulators


def aggregate(self, pipeline, *args, **kwargs):
    plan = _plan(pipeline)
    if plan is None or args or kwargs:
        return _original_aggregate(self, pipeline, *args, **kwargs)
    _mark('aggregate-group')
    match, sort, key_expr, accumulators = plan
    cursor = self.find(match)
    if sort:
        cursor = cursor.sort(list(sort.items()))
    groups = {}
    for doc in cursor:
        key = _evaluate(doc, key_expr)
        slot = repr(key)
        out = groups.get(slot)
        if out is None:
            out = groups[slot] = {'_id': key}
            for name, (operator, expr) in accumulators.items():
                out[name] = [] if operator == '$push' else _evaluate(doc, expr)
        for name, (operator, expr) in accumulators.items():
            if operator == '$push':
                out[name].append(_evaluate(doc, expr))
    return iter(list(groups.values()))


def bulk_write(self, requests, *args, **kwargs):
    requests = list(requests)
    if len(requests) <= CHUNK:
        return _original_bulk_write(self, requests, *args, **kwargs)
    _mark('bulk-write-chunked')
    result = None
    for start in range(0, len(requests), CHUNK):
        result = _original_bulk_write(self, requests[start:start + CHUNK], *args, **kwargs)
    return result


Collection.aggregate = aggregate
Collection.bulk_write = bulk_write
