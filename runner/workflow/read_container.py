"""Reading a job's ``container`` and ``services``.

GitHub's schema gives both contexts (``container``, ``services``, ``services-container``),
so each of them, each service and each part of one (``env``, ``ports``, ``volumes``,
``credentials``) may be one ``${{ }}``, read again once evaluated
(:mod:`runner.workflow.resolve`).
"""

from __future__ import annotations

from runner.workflow import availability
from runner.workflow.model import Container
from runner.workflow.reader import Reader
from runner.workflow.text import Text
from runner.workflow.tree import Node, Scalar, Seq, kind_name

CONTAINER_KEYS = ("image", "credentials", "env", "ports", "volumes", "options")
"""``container-mapping`` of the schema."""
SERVICE_KEYS = (*CONTAINER_KEYS, "command", "entrypoint")
"""``service-container-mapping``: a service also takes a command and an entrypoint."""


def read_container(r: Reader, node: Node, where: str = "container") -> Container | Text | None:
    """``container`` or one service: an image name, a mapping, or one expression.

    A plain string is the image; a string with ``${{ }}`` may give a mapping, so it is
    kept whole and read once evaluated (where a string result is the image again).
    """
    names = availability.JOB
    if r.is_expression(node):
        assert isinstance(node, Scalar)
        return r.scalar_text(node, names)
    if isinstance(node, Scalar):
        image = r.text(node, names, where)
        return Container(image=image, mark=node.mark) if image is not None else None
    body = r.mapping(node, where)
    if body is None:
        return None
    r.check_keys(body, SERVICE_KEYS if where.startswith("services.") else CONTAINER_KEYS, where)
    image_node = r.require(body, "image", where)
    image = r.text(image_node, names, f"{where}.image") if image_node is not None else None
    if image is None:
        return None
    credentials: dict[str, Text] | Text | None = None
    if (cred := body.get("credentials")) is not None:
        credentials = read_credentials(r, cred, f"{where}.credentials")
    return Container(
        image=image,
        credentials=credentials,
        env=r.env(e, names, availability.CONTAINER_ENV, f"{where}.env") if (e := body.get("env")) is not None else {},
        ports=read_text_list(r, p, f"{where}.ports") if (p := body.get("ports")) is not None else (),
        volumes=read_text_list(r, v, f"{where}.volumes") if (v := body.get("volumes")) is not None else (),
        options=r.text(o, names, f"{where}.options") if (o := body.get("options")) is not None else None,
        command=r.text(c, names, f"{where}.command") if (c := body.get("command")) is not None else None,
        entrypoint=r.text(p, names, f"{where}.entrypoint") if (p := body.get("entrypoint")) is not None else None,
        mark=body.mark,
    )


def read_services(r: Reader, node: Node) -> dict[str, Container | Text] | Text:
    """``services``: service containers by name, or one expression that gives them."""
    if r.is_expression(node):
        assert isinstance(node, Scalar)
        return r.scalar_text(node, availability.JOB) or {}
    body = r.mapping(node, "services")
    out: dict[str, Container | Text] = {}
    for key, value in body.pairs if body else ():
        service = read_container(r, value, f"services.{key.text}")
        if service is not None:
            out[key.text] = service
    return out


def read_credentials(r: Reader, node: Node, where: str) -> dict[str, Text] | Text:
    """``credentials``: ``{username, password}``, or one expression that gives them."""
    if r.is_expression(node):
        assert isinstance(node, Scalar)
        return r.scalar_text(node, availability.CREDENTIALS) or {}
    body = r.mapping(node, where)
    if body is None:
        return {}
    r.check_keys(body, ("username", "password"), where)
    return r.texts(body, availability.CREDENTIALS, where)


def read_text_list(r: Reader, node: Node, where: str) -> tuple[Text, ...] | Text:
    """``ports`` / ``volumes``: a sequence of strings, or one expression that gives one."""
    if r.is_expression(node):
        assert isinstance(node, Scalar)
        return r.scalar_text(node, availability.JOB) or ()
    if not isinstance(node, Seq):
        r.error(node, f"'{where}' must be a sequence, not {kind_name(node)}")
        return ()
    texts = (r.text(item, availability.JOB, where) for item in node.items)
    return tuple(t for t in texts if t is not None)
