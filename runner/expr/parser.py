"""Parse tokens into a syntax tree, checking names, functions and argument counts.

Precedence, loosest first: ``||``, ``&&``, ``==`` ``!=``, ``<`` ``<=`` ``>`` ``>=``,
``!``, then ``.``/``[]`` postfixes. Chains of ``&&`` (or ``||``) become one node, and
no tree may be deeper than 50 nodes, as on GitHub.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from runner.errors import ExpressionError
from runner.expr.functions import BUILTINS, MAX_ARGS, STATUS_FUNCTIONS
from runner.expr.lexer import END, LITERAL, NUMBER, PROPERTY, STRING, WORD, Token, tokenize, unexpected
from runner.expr.nodes import Call, Case, Compare, Index, Literal, Logical, Member, Name, Node, Not, Wildcard
from runner.expr.scope import Function
from runner.expr.values import fold

MAX_DEPTH = 50
"""The deepest syntax tree accepted."""
_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4}


@dataclass(frozen=True, slots=True, kw_only=True)
class Syntax:
    """A parsed expression and what it reads."""

    root: Node
    references: frozenset[str]
    """Lower-cased context names read."""
    paths: tuple[tuple[str, ...], ...]
    """Lower-cased context paths read, as far as literal member names go."""
    has_status_function: bool


def parse_syntax(
    text: str,
    *,
    names: Collection[str] | None = None,
    functions: Mapping[str, Function] | None = None,
) -> Syntax:
    """Parse ``text``; raise ``ExpressionError`` (with an offset) when it is not a valid expression."""
    parser = _Parser(text, tokenize(text), names, functions)
    return parser.parse()


class _Parser:
    __slots__ = ("text", "tokens", "position", "names", "functions", "references", "paths", "has_status", "nesting")

    def __init__(
        self,
        text: str,
        tokens: list[Token],
        names: Collection[str] | None,
        functions: Mapping[str, Function] | None,
    ) -> None:
        self.text = text
        self.tokens = tokens
        self.position = 0
        self.names = None if names is None else {fold(name) for name in names}
        self.functions = {fold(name): function for name, function in functions.items()} if functions else {}
        self.references: set[str] = set()
        self.paths: dict[tuple[str, ...], None] = {}
        self.has_status = False
        self.nesting = 0

    def parse(self) -> Syntax:
        if self.tokens[0].kind == END:
            root: Node = Literal(value=None, offset=0)
        else:
            root = self._binary(1)[0]
            token = self.tokens[self.position]
            if token.kind != END:
                raise unexpected(self.text, token.text, token.offset)
        return Syntax(
            root=root,
            references=frozenset(self.references),
            paths=tuple(self.paths),
            has_status_function=self.has_status,
        )

    def _error_at(self, token: Token) -> ExpressionError:
        if token.kind == END:
            last = self.tokens[self.position - 1] if self.position else token
            return unexpected(self.text, last.text, last.offset, at_end=True)
        return unexpected(self.text, token.text, token.offset)

    def _depth_error(self, token: Token) -> ExpressionError:
        message = f"Exceeded max expression depth {MAX_DEPTH}"
        return ExpressionError(message, expression=self.text, offset=token.offset)

    def _expect(self, kind: str) -> Token:
        token = self.tokens[self.position]
        if token.kind != kind:
            raise self._error_at(token)
        self.position += 1
        return token

    def _binary(self, lowest: int) -> tuple[Node, int]:
        left, height = self._unary()
        tokens = self.tokens
        while True:
            token = tokens[self.position]
            precedence = _PRECEDENCE.get(token.kind)
            if precedence is None or precedence < lowest:
                return left, height
            self.position += 1
            if precedence <= 2:  # && and || chains become one node
                operands = [left]
                while True:
                    right, right_height = self._binary(precedence + 1)
                    operands.append(right)
                    height = max(height, right_height)
                    if tokens[self.position].kind != token.kind:
                        break
                    self.position += 1
                left = Logical(op=token.kind, operands=tuple(operands), offset=token.offset)
            else:
                right, right_height = self._binary(precedence + 1)
                left = Compare(op=token.kind, left=left, right=right, offset=token.offset)
                height = max(height, right_height)
            height += 1
            if height > MAX_DEPTH:
                raise self._depth_error(token)

    def _unary(self) -> tuple[Node, int]:
        tokens = self.tokens
        nots: list[Token] = []
        while tokens[self.position].kind == "!":
            nots.append(tokens[self.position])
            self.position += 1
        node, height = self._postfix()
        for token in reversed(nots):
            node = Not(operand=node, offset=token.offset)
            height += 1
        if nots and height > MAX_DEPTH:
            raise self._depth_error(nots[0])
        return node, height

    def _postfix(self) -> tuple[Node, int]:
        node, height, path = self._primary()
        tokens = self.tokens
        while True:
            token = tokens[self.position]
            if token.kind == ".":
                name = tokens[self.position + 1]
                self.position += 2
                if name.kind == PROPERTY:
                    node = Member(target=node, name=name.text, offset=token.offset)
                    if path is not None:
                        path.append(name.text.lower())
                elif name.kind == "*":
                    node = Wildcard(target=node, offset=token.offset)
                    self._record(path)
                    path = None
                else:
                    self.position -= 1
                    raise self._error_at(name)
                height += 1
            elif token.kind == "[":
                self.position += 1
                if tokens[self.position].kind == "*":
                    self.position += 1
                    node = Wildcard(target=node, offset=token.offset)
                    self._record(path)
                    path = None
                    height += 1
                else:
                    self._enter(token)
                    index, index_height = self._binary(1)
                    self.nesting -= 1
                    node = Index(target=node, index=index, offset=token.offset)
                    if path is not None and isinstance(index, Literal) and isinstance(index.value, str):
                        path.append(index.value.lower())
                    else:
                        self._record(path)
                        path = None
                    height = max(height, index_height) + 1
                self._expect("]")
            else:
                self._record(path)
                return node, height
            if height > MAX_DEPTH:
                raise self._depth_error(token)

    def _record(self, path: list[str] | None) -> None:
        if path is not None:
            self.paths[tuple(path)] = None

    def _enter(self, token: Token) -> None:
        # Parentheses and brackets recurse; bound them so no input can exhaust the stack.
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise self._depth_error(token)

    def _primary(self) -> tuple[Node, int, list[str] | None]:
        token = self.tokens[self.position]
        self.position += 1
        kind = token.kind
        if kind in (STRING, NUMBER, LITERAL):
            return Literal(value=token.value, offset=token.offset), 1, None
        if kind == WORD:
            if self.tokens[self.position].kind == "(":
                node, height = self._call(token)
                return node, height, None
            key = fold(token.text)
            if self.names is not None and key not in self.names:
                message = (
                    f"Unrecognized named-value: '{token.text}'. "
                    f"Located at position {token.offset + 1} within expression: {self.text}"
                )
                raise ExpressionError(message, expression=self.text, offset=token.offset)
            self.references.add(token.text.lower())
            return Name(name=token.text, key=key, offset=token.offset), 1, [token.text.lower()]
        if kind == "(":
            self._enter(token)
            node, height = self._binary(1)
            self.nesting -= 1
            self._expect(")")
            return node, height, None
        self.position -= 1
        raise self._error_at(token)

    def _call(self, name: Token) -> tuple[Node, int]:
        key = fold(name.text)
        function: Function | None = None
        if key != "CASE":
            function = BUILTINS.get(name.text.lower()) or self.functions.get(key)
        if function is None and key != "CASE":
            message = (
                f"Unrecognized function: '{name.text}'. "
                f"Located at position {name.offset + 1} within expression: {self.text}"
            )
            raise ExpressionError(message, expression=self.text, offset=name.offset)
        opening = self._expect("(")
        self._enter(opening)
        args: list[Node] = []
        height = 0
        if self.tokens[self.position].kind != ")":
            while True:
                arg, arg_height = self._binary(1)
                args.append(arg)
                height = max(height, arg_height)
                if self.tokens[self.position].kind != ",":
                    break
                self.position += 1
        self._expect(")")
        self.nesting -= 1
        height += 1
        if height > MAX_DEPTH:
            raise self._depth_error(name)
        low, high = (3, MAX_ARGS) if function is None else (function.min_args, function.max_args)
        problem = ""
        if len(args) < low:
            problem = "Too few parameters supplied"
        elif len(args) > high:
            problem = "Too many parameters supplied"
        elif function is None and len(args) % 2 == 0:
            problem = "Even number of parameters supplied, requires an odd number of parameters"
        if problem:
            message = f"{problem}: '{name.text}'. Located at position {name.offset + 1} within expression: {self.text}"
            raise ExpressionError(message, expression=self.text, offset=name.offset)
        if function is None:
            return Case(args=tuple(args), offset=name.offset), height
        if name.text.lower() in STATUS_FUNCTIONS:
            self.has_status = True
        return Call(name=name.text, function=function, args=tuple(args), offset=name.offset), height
