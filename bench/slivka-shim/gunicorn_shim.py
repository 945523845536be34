"""gunicorn settings file for Damson's side-by-side benchmark: loads ferretdb_shim.py (see there
why) in each worker, after the fork and before the worker imports slivka's wsgi.py. Given to
`slivka start server -t gunicorn` through GUNICORN_CMD_ARGS, so slivka starts gunicorn exactly as
it does in production."""


def post_fork(server, worker):
    import ferretdb_shim  # noqa: F401
