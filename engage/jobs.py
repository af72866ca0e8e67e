"""Background jobs: long work (imports; later tagging and exports) that people can watch.

`enqueue()` commits a queued BackgroundJob and hands its id to a runner; `run()` does
the work in an app context and database session of its own, so no request ever waits
on it for more than a moment. A job function is registered by kind with
`@job(kind, label)` and called as `function(job, progress)`; like a service, it flushes
its work into the session and never commits; it returns a result dict (or raises
JobFailed). `run()` then commits the work and the job's "done" status together: a job
either finishes completely or changes nothing (a failure rolls everything back).

Runners, chosen in `_dispatch()`:
- JOBS_SYNC (tests): inline, before `enqueue()` returns, still in its own session.
- otherwise: one daemon worker thread per process, started lazily on first use,
  running jobs one at a time.
- with REDIS_URL set (the scale path): `_dispatch()` pushes `work(job_id)` onto the
  "engage" RQ queue and separate worker processes (`flask --app engage worker`) run
  it, through the same `run()`. Nothing else changes.

Progress (`Progress.update`) is kept in memory for pages served by this process and
written to the job row every few hundred rows through a separate short connection,
so another request (or process) can read it while the job's own transaction is open.
SQLite allows one writer at a time, so on SQLite progress reaches the row only while
the job's session has no transaction open (a read-only job such as the import check
ends its read transaction first); while the job holds a transaction, progress stays in
memory until the job finishes.
"""
import logging
import queue
import threading
from datetime import timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError

from engage.extensions import db
from engage.models import BackgroundJob, User, utcnow

log = logging.getLogger(__name__)

ACTIVE_STATUSES = ("queued", "running")
RQ_QUEUE = "engage"
PROGRESS_EVERY_ROWS = 500
INTERRUPTED = ("This job stopped before it finished, probably because the service restarted. "
               "Nothing was changed. Start it again.")
UNEXPECTED = ("Something went wrong and the job stopped. Nothing was changed. Try again, and if it "
              "happens again, contact your system administrator.")

_kinds = {}
_live = {}
_live_lock = threading.Lock()
_queue = queue.Queue()
_worker = None
_worker_lock = threading.Lock()


class JobFailed(Exception):
    """The job cannot finish, for a reason the person who started it can act on."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result or {}


def job(kind, label, on_success=None, on_failure=None):
    """Register function(job, progress) -> result dict as the work for jobs of this kind.

    on_failure(job) runs in the transaction that records a failure (e.g. to audit it);
    on_success(job) runs after the work has been committed (e.g. to delete a temporary file).
    """

    def register(function):
        _kinds[kind] = {"function": function, "label": label, "on_success": on_success,
                        "on_failure": on_failure}
        return function

    return register


def label_for(kind):
    """What a kind of job is, in words: e.g. "Checking a file of responses"."""
    return _kinds.get(kind, {}).get("label", kind.replace("_", " ").capitalize())


def enqueue(kind, consultation, user, params):
    """Commit a queued job of this kind and start it; returns the job as it was queued (detached)."""
    if kind not in _kinds:
        raise KeyError(f"no job function registered for {kind!r}")
    background_job = BackgroundJob(
        kind=kind, status="queued", consultation_id=getattr(consultation, "id", None),
        created_by_id=getattr(user, "id", None), params=params or {},
    )
    db.session.add(background_job)
    db.session.flush()
    job_id = background_job.id
    # Detached before the commit, so reading its id afterwards needs no new transaction
    # (on SQLite that would queue behind the job's own writes).
    db.session.expunge(background_job)
    db.session.commit()
    _dispatch(current_app._get_current_object(), job_id)
    return background_job


def _dispatch(app, job_id):
    """Hand the job to a runner (see the module docstring for the RQ seam)."""
    if app.config.get("JOBS_SYNC"):
        run(app, job_id)
        return
    if app.config.get("REDIS_URL"):
        rq_queue(app.config["REDIS_URL"]).enqueue(
            "engage.jobs.work", job_id, job_timeout=app.config.get("JOBS_STALE_AFTER_SECONDS", 3600))
        return
    _queue.put((app, job_id))
    _ensure_worker()


def rq_queue(redis_url):
    """The RQ queue that Engage's workers listen on."""
    from redis import Redis
    from rq import Queue

    return Queue(RQ_QUEUE, connection=Redis.from_url(redis_url))


def _ensure_worker():
    """Start this process's worker thread if it is not running."""
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_work_forever, name="engage-jobs", daemon=True)
            _worker.start()


def _work_forever():
    while True:
        app, job_id = _queue.get()
        try:
            run(app, job_id)
        except Exception:  # never let one job stop the worker
            log.exception("background job %s crashed the runner", job_id)
        finally:
            _queue.task_done()


_worker_app = None


def work(job_id):
    """Entry point for an RQ worker process: run one job (one app per worker process)."""
    global _worker_app
    if _worker_app is None:
        from engage import create_app

        _worker_app = create_app()
    run(_worker_app, job_id)


def run(app, job_id):
    """Run one queued job to the end in its own app context and session."""
    with app.app_context():
        try:
            _run(job_id)
        finally:
            with _live_lock:
                _live.pop(job_id, None)
            db.session.remove()


def _run(job_id):
    claimed = db.session.execute(
        update(BackgroundJob).where(BackgroundJob.id == job_id, BackgroundJob.status == "queued")
        .values(status="running", started_at=utcnow(), message="Starting")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return  # already taken by another runner, or no longer queued
    background_job = db.session.get(BackgroundJob, job_id)
    kind = _kinds.get(background_job.kind)
    progress = Progress(job_id)
    try:
        if kind is None:
            raise JobFailed(f"This kind of job ({background_job.kind}) is not known.")
        result = kind["function"](background_job, progress) or {}
        background_job.status = "done"
        background_job.result = result
        background_job.message = result.get("summary", "Finished")
        background_job.progress = max(progress.done, background_job.progress)
        background_job.total = max(progress.total, progress.done)
        background_job.finished_at = utcnow()
        db.session.commit()
    except JobFailed as failure:
        _fail(job_id, str(failure), failure.result, progress)
    except IntegrityError:
        log.exception("background job %s hit a database constraint", job_id)
        _fail(job_id, "Someone else changed the same records at the same time, so nothing was changed. "
                      "Try again.", {}, progress)
    except OperationalError:
        log.exception("background job %s could not use the database", job_id)
        _fail(job_id, "The database was busy, so nothing was changed. Try again in a few minutes.", {},
              progress)
    except Exception:
        log.exception("background job %s failed", job_id)
        _fail(job_id, UNEXPECTED, {}, progress)
    else:
        if kind.get("on_success"):
            try:
                kind["on_success"](background_job)
            except Exception:  # the work is committed; tidying up must not turn it into a failure
                log.exception("after background job %s", job_id)


def _fail(job_id, message, result, progress):
    """Roll back everything the job did and record why it stopped."""
    db.session.rollback()
    background_job = db.session.get(BackgroundJob, job_id)
    background_job.status = "failed"
    background_job.message = message
    background_job.result = result or {}
    background_job.progress = progress.done
    background_job.total = max(progress.total, progress.done)
    background_job.finished_at = utcnow()
    hook = _kinds.get(background_job.kind, {}).get("on_failure")
    if hook:
        try:
            hook(background_job)
        except Exception:  # recording the failure matters more than the hook
            log.exception("failure hook of background job %s", job_id)
    db.session.commit()


class Progress:
    """How far a running job has got, readable by other requests while it runs."""

    def __init__(self, job_id, every=PROGRESS_EVERY_ROWS):
        self.job_id = job_id
        self.every = every
        self.done = 0
        self.total = 0
        self.message = ""
        self._saved_at = 0

    def update(self, done, total=None, message=None, force=False):
        """Record progress; written to the job row every `every` rows (or when forced)."""
        self.done = done
        if total is not None:
            self.total = total
        if message is not None:
            self.message = message
        with _live_lock:
            _live[self.job_id] = {"progress": self.done, "total": self.total, "message": self.message}
        if force or done - self._saved_at >= self.every:
            self._saved_at = done
            self._save()

    def _save(self):
        engine = db.engine
        if engine.dialect.name == "sqlite" and db.session().in_transaction():
            return  # the job's own transaction may hold SQLite's only write lock: memory only
        try:
            with engine.begin() as connection:
                connection.execute(
                    update(BackgroundJob).where(BackgroundJob.id == self.job_id)
                    .values(progress=self.done, total=self.total, message=self.message[:500]))
        except OperationalError:
            log.warning("could not save progress of job %s", self.job_id)


def state(background_job):
    """progress, total, percent and message of a job, freshest first (memory, then the row)."""
    values = {"progress": background_job.progress, "total": background_job.total,
              "message": background_job.message}
    if background_job.status == "running":
        with _live_lock:
            live = dict(_live.get(background_job.id) or {})
        if live and live["progress"] >= values["progress"]:
            values.update(live)
    total, done = values["total"], values["progress"]
    if background_job.status == "done":
        percent = 100
    elif total:
        percent = max(0, min(99, int(done * 100 / total)))
    else:
        percent = 0
    values["percent"] = percent
    return values


def is_active(background_job):
    """Queued or running."""
    return background_job.status in ACTIVE_STATUSES


def expire_interrupted(jobs, now=None):
    """Mark jobs that have been queued or running for too long as failed; True if any were."""
    limit = timedelta(seconds=current_app.config.get("JOBS_STALE_AFTER_SECONDS", 3600))
    now = now or utcnow()
    changed = False
    for background_job in jobs:
        if not is_active(background_job):
            continue
        with _live_lock:
            running_here = background_job.id in _live
        if not running_here and now - (background_job.started_at or background_job.created_at) > limit:
            background_job.status = "failed"
            background_job.message = INTERRUPTED
            background_job.finished_at = now
            changed = True
    if changed:
        db.session.flush()
    return changed


def created_by(background_job):
    """The user who started the job, or None."""
    if background_job.created_by_id is None:
        return None
    return db.session.get(User, background_job.created_by_id)
