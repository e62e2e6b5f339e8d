"""The main job: migrate a database and walk one orchestrator day through cwdb.

Usage: python scripts/demo.py [PATH | postgresql://URL]   (default ./cw.db)

A path is an SQLite file; a PostgreSQL URL runs the same day on that
server's database (the password, if any, is never printed).

Every repository is used once, in the order the orchestrator would: plan an
initiative, link a project, rotate accounts, spawn agents, stream their logs,
route questions, review, chat, run an errand. Each step prints what it did.
Running it again adds another day to the same file.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

import cwdb


def say(step: str, detail: str) -> None:
    print(f"  {step:<16} {detail}")


def main(path: str) -> int:
    started = time.perf_counter()
    applied = cwdb.ensure_schema(path)
    took = (time.perf_counter() - started) * 1000
    run = datetime.now(UTC).strftime("%H%M%S%f")
    with cwdb.connect(path) as db:
        # db.path: the file, or the URL with its password hidden.
        print(f"cwdb {cwdb.__version__}: {db.path}")
        say("migrate", f"applied {applied or 'nothing (up to date)'} in {took:.1f} ms")
        say("schema", f"version {db.schema_version}")
        initiative, project, build, tasks = plan(db, run)
        work(db, run, initiative=initiative, project=project, build=build, tasks=tasks)
    return 0


def plan(
    db: cwdb.Database, run: str
) -> tuple[cwdb.Initiative, cwdb.Project, cwdb.Phase, list[cwdb.Task]]:
    """Plan: an initiative on a project, two phases, three tasks."""
    initiative = db.initiatives.create(name=f"Add dark mode ({run})", execution_mode="yolo")
    say("initiatives", f"created {initiative.id} {initiative.name!r} [{initiative.status}]")
    project = db.projects.create(name=f"webapp-{run}", url=f"https://git.example/webapp-{run}.git")
    db.projects.set_initiative_projects(initiative.id, [project.id])
    linked = db.projects.find_projects_by_initiative_id(initiative.id)
    say("projects", f"linked {[p.name for p in linked]} to the initiative")

    design = db.phases.create(initiative_id=initiative.id, name="Design", content="# Palette\n")
    build = db.phases.create(initiative_id=initiative.id, name="Build")
    db.phases.create_dependency(build.id, design.id)
    say("phases", f"Design -> Build; Build depends on {db.phases.get_dependencies(build.id)}")
    tasks = [
        db.tasks.create(phase_id=build.id, initiative_id=initiative.id, name=name, order=i)
        for i, name in enumerate(["CSS variables", "Toggle", "Persist choice"])
    ]
    db.tasks.create_dependency(tasks[2].id, tasks[1].id)
    say("tasks", f"{len(db.tasks.find_by_phase_id(build.id))} tasks in Build, ordered")
    return initiative, project, build, tasks


def work(
    db: cwdb.Database,
    run: str,
    *,
    initiative: cwdb.Initiative,
    project: cwdb.Project,
    build: cwdb.Phase,
    tasks: list[cwdb.Task],
) -> None:
    """Work: accounts, agents, logs, questions, review, chat, an errand."""
    for email in ("ada@example.com", "grace@example.com"):
        db.accounts.create(email=f"{run}.{email}", credentials="(secret)")
    account = db.accounts.find_next_available()
    assert account is not None
    hidden = "(secret)" not in repr(account)
    say("accounts", f"picked {account.email} (least recently used); credentials hidden: {hidden}")

    agent = db.agents.create(
        name=f"builder-{run}", worktree_id=f"wt-{run}", task_id=tasks[0].id,
        initiative_id=initiative.id, account_id=account.id, status="running",
    )  # fmt: skip
    say("agents", f"spawned {agent.name} on task {tasks[0].name!r}")
    written = db.log_chunks.insert_chunks(
        {"agent_id": agent.id, "agent_name": agent.name, "content": f"step {i}\n"}
        for i in range(50)
    )
    say(
        "log_chunks",
        f"streamed {written} chunks, session {db.log_chunks.get_session_count(agent.id)}",
    )

    reviewer = db.agents.create(name=f"reviewer-{run}", worktree_id=f"wt-r-{run}")
    question = db.conversations.create(
        from_agent_id=agent.id, to_agent_id=reviewer.id, question="Which palette?",
        initiative_id=initiative.id, task_id=tasks[0].id,
    )  # fmt: skip
    db.conversations.answer(question.id, "The one in the Design phase.")
    say("conversations", f"{agent.name} asked, {reviewer.name} answered")
    note = db.messages.create(
        sender_type="agent", sender_id=agent.id, recipient_type="user",
        type="question", content="Ship the toggle behind a flag?", requires_response=True,
    )  # fmt: skip
    say("messages", f"{len(db.messages.find_pending_for_user())} pending for the user")
    db.messages.create(
        sender_type="user", recipient_type="agent", recipient_id=agent.id,
        type="response", content="Yes.", parent_message_id=note.id,
    )  # fmt: skip
    db.messages.update(note.id, status="responded")

    proposal = db.proposals.create(
        agent_id=agent.id, initiative_id=initiative.id, target_type="page",
        title="Document the palette", summary="One page for the new colours.",
        content="# Palette", metadata={"colors": ["#111", "#eee"]},
    )  # fmt: skip
    db.proposals.update(proposal.id, status="accepted")
    root = db.pages.get_or_create_root_page(initiative.id)
    page = db.pages.create(initiative_id=initiative.id, parent_page_id=root.id, title="Palette")
    say("proposals/pages", f"accepted a proposal; pages {root.title!r} > {page.title!r}")

    comment = db.review_comments.create(
        phase_id=build.id, file_path="src/theme.css", line_number=12, line_type="added",
        body="Use a variable here.",
    )  # fmt: skip
    db.review_comments.resolve(comment.id)
    say("review_comments", f"commented on {comment.file_path}:{comment.line_number}, resolved")

    chat = db.chat_sessions.create_session("phase", build.id, initiative.id, agent_id=agent.id)
    db.chat_sessions.create_message(chat.id, "user", "Why a flag?")
    db.chat_sessions.create_message(chat.id, "assistant", "To roll it out gradually.")
    messages = db.chat_sessions.find_messages_by_session_id(chat.id)
    say("chat_sessions", f"chat on Build with {len(messages)} messages")

    errand = db.errands.create(
        id=f"errand-{run}", description="Bump the linter", branch=f"errand/{run}",
        project_id=project.id,
    )  # fmt: skip
    db.errands.update(errand.id, status="merged")
    say("errands", f"errand {errand.id} merged on {project.name}")

    retried = db.tasks.increment_retry_count(tasks[1].id)
    db.tasks.update(tasks[0].id, status="completed", summary="Variables in place.")
    db.accounts.mark_exhausted(account.id, datetime.now(UTC) + timedelta(hours=1))
    db.agents.update(agent.id, status="stopped", exit_code=0, result={"ok": True})
    say("wrap-up", f"task retried {retried.retry_count}x, account rests an hour, agent stopped")
    db.initiatives.update(initiative.id, status="completed")
    done = db.initiatives.find_by_status("completed")
    say("initiatives", f"{len(done)} completed initiative(s) in {db.path}")


def run(path: str) -> int:
    """``main``, with a cwdb error told in one line (exit 1) instead of a traceback.

    A bad target (a directory, an unknown PostgreSQL role, ...) is the
    caller's to fix, and cwdb's message already says what is wrong; a bug in
    the demo itself still shows its traceback.
    """
    try:
        return main(path)
    except cwdb.Error as error:
        print(f"demo: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else "cw.db"))
