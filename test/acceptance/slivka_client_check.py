"""Drives the real slivka-client library (installed from PyPI) against a running Damson.

usage: slivka_client_check.py BASE_URL
Prints one line per check and exits non-zero at the first failure.
"""
import io
import sys
import time

import slivka_client
from slivka_client.service import SubmissionError

BASE = sys.argv[1]
FINISHED = {"COMPLETED", "FAILED", "ERROR", "INTERRUPTED", "DELETED", "REJECTED"}
FASTA = b">seq1\nACDEFGHIKLMNPQRSTVWY\n"


def check(name, condition, detail=""):
    if not condition:
        print(f"FAIL {name} {detail}")
        sys.exit(1)
    print(f"ok {name}")


def finish(job, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        job.reload()
        if job.status in FINISHED:
            return job.status
        if time.monotonic() > deadline:
            return f"stuck in {job.status}"
        time.sleep(0.2)


def content(file):
    buf = io.BytesIO()
    file.dump(buf)
    return buf.getvalue()


client = slivka_client.SlivkaClient(BASE)
check("version", client.version.API == "1.1", repr(client.version))

echo = client["echo"]
check("service name", echo.name == "Echo", echo.name)
params = {p.id: p for p in echo.parameters}
check("parameters", set(params) >= {"input", "count", "words", "upper", "mode"}, params)
check("integer bounds", (params["count"].min, params["count"].max) == (0, 10), params["count"])
check("array text", params["words"].array is True, params["words"])
check("choices", list(params["mode"].choices) == ["fast", "slow"], params["mode"])

try:
    echo.submit_job(data={"count": -1})
    check("422 raises SubmissionError", False)
except SubmissionError as error:
    found = {(e.parameter, e.code) for e in error.errors}
    check("422 errors", {("input", "required"), ("count", "min_value")} <= found, found)

job = echo.submit_job(
    data={"count": 2, "words": ["a", "b"], "upper": True, "mode": "fast"},
    files={"input": FASTA},
)
check("job url", job.url.endswith("/api/jobs/" + job.id), job.url)
check("submission time", job.submission_time is not None)
check("file part job completes", finish(job) == "COMPLETED")
check("completion time", job.completion_time is not None)
results = job.results
check("outputs listed", {f.path for f in results} >= {"stdout", "output.txt"}, results)
stdout = next(f for f in results if f.path == "stdout")
check("output bytes", content(stdout) == FASTA.upper(), content(stdout))
check("get_file of an output", client.get_file(stdout.id).content_url == stdout.content_url)
check("get_job", client.get_job(job.id).status == "COMPLETED")

upload = client.upload_file(io.BytesIO(FASTA))
check("upload", bool(upload.id) and upload.job_id is None, repr(upload))
check("get_file of an upload", client.get_file(upload.id).id == upload.id)
check("uploaded bytes", content(client.get_file(upload.id)) == FASTA)
job2 = echo.submit_job(data={"input": upload, "upper": False})
check("upload id job completes", finish(job2) == "COMPLETED")
out2 = next(f for f in job2.results if f.path == "stdout")
check("upload id output", content(out2) == FASTA, content(out2))

job3 = echo.submit_job(data={"input": stdout.id})
check("job output as input completes", finish(job3) == "COMPLETED")
out3 = next(f for f in job3.results if f.path == "output.txt")
check("job output as input bytes", content(out3) == FASTA.upper(), content(out3))
print("slivka-client library: OK")
