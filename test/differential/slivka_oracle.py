"""What slivka 0.8.5b7 itself does with service files and submissions, for the differential
test (test/differential/slivka-differential.test.ts). Reads one JSON request on stdin and writes
one JSON answer on stdout; uses slivka's own modules (loader, schema, forms, Runner.build_args)
without starting its server, scheduler or MongoDB.

Request:  {"files": [{"path": str, "id": str, "submissions": [[[name, value], ...], ...]}]}
Answer:   {"files": [{"document": any, "accepted": bool, "error": str | null,
                      "forms": [{"valid": bool, "errors": {field: code}, "argv": [str] | null,
                                 "crash": str | null}]}]}
"""
import datetime
import json
import math
import sys
from importlib import resources

import jsonschema
import yaml
from jsonschema import Draft7Validator
from werkzeug.datastructures import MultiDict

from slivka.conf.loaders import ServiceConfig, _deserialize
from slivka.scheduler.runners.runner import Runner, RunnerID
from slivka.server.forms.form import FormLoader
from slivka.utils import ConfigYamlLoader


def tagged(value):
    """JSON for any PyYAML value; what JSON cannot say is tagged."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return {"$float": "nan"}
        if math.isinf(value):
            return {"$float": "inf" if value > 0 else "-inf"}
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return {"$date": value.isoformat()[:10]}
    if isinstance(value, dict):
        return {str(k): tagged(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [tagged(v) for v in value]
    return {"$other": type(value).__name__}


SCHEMA = json.loads(resources.files("slivka.conf").joinpath("service-schema.json").read_text())


def load(path, service_id):
    with open(path) as stream:
        document = yaml.load(stream, ConfigYamlLoader)
    jsonschema.validate(document, SCHEMA, Draft7Validator)
    config = _deserialize(ServiceConfig, {**document, "id": service_id})
    form_class = FormLoader().read_config(config)
    runners = config.execution.runners
    runner_conf = runners.get("default") or next(iter(runners.values()))
    runner = Runner(
        RunnerID(service_id, runner_conf.id),
        None,
        command=config.command,
        args=config.args,
        consts=runner_conf.consts,
        outputs=config.outputs,
        env={**config.env, **runner_conf.env},
    )
    return document, form_class, runner


def judge(form_class, runner, pairs):
    form = form_class(MultiDict([(k, v) for k, v in pairs]))
    try:
        valid = form.is_valid()
    except Exception as e:  # slivka answers 500 here (a condition on a missing value, ...)
        return {"valid": False, "errors": {}, "argv": None, "crash": type(e).__name__}
    if not valid:
        codes = {k: getattr(e, "code", None) for k, e in form.errors.items()}
        return {"valid": False, "errors": codes, "argv": None, "crash": None}
    inputs = {f.id: f.to_arg(form.cleaned_data[f.id]) for f in form.fields.values()}
    argv = runner.command + runner.build_args(inputs)
    return {"valid": True, "errors": {}, "argv": [str(a) for a in argv], "crash": None}


def main():
    request = json.load(sys.stdin)
    answers = []
    for entry in request["files"]:
        answer = {"document": None, "accepted": False, "error": None, "forms": []}
        try:
            with open(entry["path"]) as stream:
                answer["document"] = tagged(yaml.load(stream, ConfigYamlLoader))
        except Exception as e:
            answer["error"] = "yaml: %s" % str(e).split("\n")[0]
            answers.append(answer)
            continue
        try:
            _, form_class, runner = load(entry["path"], entry["id"])
            answer["accepted"] = True
        except Exception as e:
            answer["error"] = "%s: %s" % (type(e).__name__, str(e).split("\n")[0])
            answers.append(answer)
            continue
        answer["forms"] = [judge(form_class, runner, s) for s in entry["submissions"]]
        answers.append(answer)
    json.dump({"files": answers}, sys.stdout)


if __name__ == "__main__":
    main()
