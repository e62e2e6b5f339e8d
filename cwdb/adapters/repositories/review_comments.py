"""The review comment repository, for every dialect (``review_comments.sql`` of its SQL folder).

Not a CRUD repository (docs/reference.md §4 lists its five methods), so it does not
subclass ``CrudAdapter``; it validates with the same record codec.
"""

from __future__ import annotations

from cwdb.adapters.repositories.crud import codec_for, delete_row, insert_row, missing
from cwdb.adapters.runner import Adapter, Queries, Runner, Values
from cwdb.records.review_comments import ReviewComment


class SqlReviewCommentRepository(Adapter):
    """The review comment repository over a runner of either dialect."""

    def __init__(self, runner: Runner, queries: Queries, values: Values) -> None:
        super().__init__(runner, values)
        self._codec = codec_for(ReviewComment, values.storage)
        self._create = queries.single("create", ReviewComment)
        self._find_by_phase_id = queries.many("find_by_phase_id", ReviewComment)
        self._set_resolved = queries.one("set_resolved", ReviewComment)
        self._delete = queries.one("delete", str)

    def create(  # noqa: PLR0917 - the public API fixes this positional signature
        self,
        phase_id: str,
        file_path: str,
        line_number: int,
        line_type: str,
        body: str,
        author: str = "you",
    ) -> ReviewComment:
        fields = {
            "phase_id": phase_id,
            "file_path": file_path,
            "line_number": line_number,
            "line_type": line_type,
            "body": body,
            "author": author,
        }
        return insert_row(self._run, self._values, self._codec, self._create, fields)

    def find_by_phase_id(self, phase_id: str) -> list[ReviewComment]:
        return self._run.all(self._find_by_phase_id, {"phase_id": phase_id})

    def resolve(self, id: str) -> ReviewComment:
        return self._set(id, resolved=True)

    def unresolve(self, id: str) -> ReviewComment:
        return self._set(id, resolved=False)

    def delete(self, id: str) -> None:
        delete_row(self._run, ReviewComment, self._delete, id)

    def _set(self, id: str, *, resolved: bool) -> ReviewComment:
        run = self._run
        params = {"id": id, "resolved": resolved, "now": self._now()}
        found = run.one(self._set_resolved, params)
        if found is None:
            raise missing(ReviewComment, id)
        return found
