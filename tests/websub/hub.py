"""A WebSub hub for the test suite: PyPI's flask-websub (0.4.1), its Celery tasks run eagerly
in the request (no broker), on 127.0.0.1.

    python3 tests/websub/hub.py PORT DATABASE

POST /hub is the hub (subscribe, unsubscribe, and publish: `hub.mode=publish&hub.topic=URL`
fetches the topic and delivers it, signed, to its subscribers). GET /subscriptions?topic=URL
lists the topic's callbacks, for the tests to see what the hub holds.
"""
import sys

from celery import Celery
from flask import Flask, jsonify, request
from flask_websub.hub import Hub, SQLite3HubStorage

port, database = int(sys.argv[1]), sys.argv[2]
celery = Celery("hub", broker="memory://", backend="cache+memory://")
celery.conf.task_always_eager = True
app = Flask(__name__)
app.config.update(
    PUBLISH_SUPPORTED=True,
    HUB_MIN_LEASE_SECONDS=1,
    REQUEST_TIMEOUT=5,
    MAX_ATTEMPTS=1,
    BACKOFF_BASE=0.01,
)
storage = SQLite3HubStorage(database)
hub = Hub(storage, celery, **app.config)
app.register_blueprint(hub.build_blueprint(url_prefix="/hub"))


@app.route("/subscriptions")
def subscriptions():
    topic = request.args["topic"]
    return jsonify([callback for callback, _secret in storage.get_callbacks(topic)])


@app.route("/ready")
def ready():
    return "ok"


app.run(host="127.0.0.1", port=port, threaded=True)
