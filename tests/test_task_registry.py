"""Every task a service queues by name is registered in a web process too, not only in
a worker: a name looked up in a process that never imported its module raised
NotRegistered, and the notification emails queued from web requests were never sent."""

import subprocess
import sys

QUEUED_BY_NAME = [
    "improvement.tasks.send_notification_emails",
    "metrics.tasks.measure_results",
    "integrations.tasks.deliver",
]


def test_a_fresh_web_process_knows_every_task_the_services_queue():
    script = (
        "import django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup();"
        "from config.celery import app;"
        f"missing = [n for n in {QUEUED_BY_NAME!r} if n not in app.tasks];"
        "print(missing)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
