"""Parse tokens into a syntax tree, checking names, functions and argument counts.

Precedence, loosest first: ``||``, ``&&``, ``==`` ``!=``, ``<`` ``<=`` ``>`` ``>=``,
``!``, then ``.``/``[]`` postfixes. Chains of ``&&`` (or ``||``) become one node, and
no tree may be deeper than 50 nodes, as on GitHub.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from runner.errors import ExpressionError
from runner.expr.functions import BUILTINS, MAX_ARGS, STATUS_FUNCTIONS
from runner.expr.lexer import END, LITERAL, NUMBER, PROPERTY, STRING, WORD, Token, tokenize, unexpected
from runner.expr.nodes import Call, Case, Compare, Index, Literal, Logical, Member, Name, Node, Not, Wildcard, children
from runner.expr.scope import Function
from runner.expr.values import fold

MAX_DEPTH = 50
"""The deepest syntax tree accepted (a node's depth counts from 1 at the root)."""
_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4}
_LITERALS = frozenset({STRING, NUMBER, LITERAL})
_POSTFIX = frozenset({".", "["})

Syntax = tuple[Node, frozenset[str], tuple[tuple[str, ...], ...], bool]
"""A parsed expression: the tree, the contexts read, the context paths read, whether a status function is called."""


def parse_syntax(
    text: str,
    *,
    names: Collection[str] | None = None,
    functions: Mapping[str, Function] | None = None,
) -> Syntax:
    """Parse ``text``; raise ``ExpressionError`` (with an offset) when it is not a valid expression."""
    tokens = tokenize(text)
    parser = _Parser(text, tokens, names, functions)
    root = parser.parse()
    # Every node takes at least one token, so only long expressions can be too deep.
    if len(tokens) > MAX_DEPTH:
        _check_depth(root, text)
    return root, frozenset(parser.references), tuple(parser.paths), parser.has_status


def _check_depth(root: Node, text: str) -> None:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            message = f"Exceeded max expression depth {MAX_DEPTH}"
            raise ExpressionError(message, expression=text, offset=node.offset)
        stack.extend((child, depth + 1) for child in children(node))


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

    def parse(self) -> Node:
        if self.tokens[0].kind == END:
            return Literal(value=None, offset=0)
        root = self._binary(1)
        token = self.tokens[self.position]
        if token.kind != END:
            raise unexpected(self.text, token.text, token.offset)
        return root

    def _error_at(self, token: Token) -> ExpressionError:
        if token.kind == END:
            last = self.tokens[self.position - 1] if self.position else token
            return unexpected(self.text, last.text, last.offset, at_end=True)
        return unexpected(self.text, token.text, token.offset)

    def _expect(self, kind: str) -> None:
        token = self.tokens[self.position]
        if token.kind != kind:
            raise self._error_at(token)
        self.position += 1

    def _enter(self, token: Token) -> None:
        # Parentheses, brackets and calls recurse; bound them so no input exhausts the stack.
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            message = f"Exceeded max expression depth {MAX_DEPTH}"
            raise ExpressionError(message, expression=self.text, offset=token.offset)

    def _binary(self, lowest: int) -> Node:
        left = self._operand()
        tokens = self.tokens
        while True:
            token = tokens[self.position]
            precedence = _PRECEDENCE.get(token.kind)
            if precedence is None or precedence < lowest:
                return left
            self.position += 1
            if precedence <= 2:  # a chain of && (or of ||) becomes one node
                operands = [left, self._binary(precedence + 1)]
                while tokens[self.position].kind == token.kind:
                    self.position += 1
                    operands.append(self._binary(precedence + 1))
                left = Logical(op=token.kind, operands=tuple(operands), offset=token.offset)
            else:
                right = self._binary(precedence + 1)
                left = Compare(op=token.kind, left=left, right=right, offset=token.offset)

    def _operand(self) -> Node:
        """A primary with its postfixes, under any number of ``!``."""
        tokens = self.tokens
        token = tokens[self.position]
        if token.kind == "!":
            nots = []
            while token.kind == "!":
                nots.append(token)
                self.position += 1
                token = tokens[self.position]
            node = self._operand()
            for token in reversed(nots):
                node = Not(operand=node, offset=token.offset)
            return node
        self.position += 1
        kind = token.kind
        if kind in _LITERALS:
            node = Literal(value=token.value, offset=token.offset)
        elif kind == WORD and tokens[self.position].kind != "(":
            name = self._name(token)
            if tokens[self.position].kind in _POSTFIX:
                return self._postfix(name, [name.name.lower()])
            self.paths[(name.name.lower(),)] = None
            return name
        elif kind == WORD:
            node = self._call(token)
        elif kind == "(":
            self._enter(token)
            node = self._binary(1)
            self.nesting -= 1
            self._expect(")")
        else:
            self.position -= 1
            raise self._error_at(token)
        if tokens[self.position].kind in _POSTFIX:
            return self._postfix(node, None)
        return node

    def _name(self, token: Token) -> Name:
        key = fold(token.text)
        if self.names is not None and key not in self.names:
            message = (
                f"Unrecognized named-value: '{token.text}'. "
                f"Located at position {token.offset + 1} within expression: {self.text}"
            )
            raise ExpressionError(message, expression=self.text, offset=token.offset)
        self.references.add(token.text.lower())
        return Name(name=token.text, key=key, offset=token.offset)

    def _postfix(self, node: Node, path: list[str] | None) -> Node:
        """``.name``, ``.*``, ``[*]`` and ``[index]`` after ``node``; ``path`` grows while literal."""
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
                    continue
                if name.kind != "*":
                    self.position -= 1
                    raise self._error_at(name)
                node = Wildcard(target=node, offset=token.offset)
            elif token.kind == "[":
                self.position += 1
                if tokens[self.position].kind == "*":
                    self.position += 1
                    node = Wildcard(target=node, offset=token.offset)
                else:
                    self._enter(token)
                    index = self._binary(1)
                    self.nesting -= 1
                    node = Index(target=node, index=index, offset=token.offset)
                    if path is not None and isinstance(index, Literal) and isinstance(index.value, str):
                        path.append(index.value.lower())
                        self._expect("]")
                        continue
                self._expect("]")
            else:
                if path is not None:
                    self.paths[tuple(path)] = None
                return node
            # A wildcard or computed index ends the literal path.
            if path is not None:
                self.paths[tuple(path)] = None
                path = None

    def _call(self, name: Token) -> Node:
        key = fold(name.text)
        function: Function | None = None
        if key != "CASE":
            # A place's own function first: a job's if takes success('job', ...)
            function = self.functions.get(key) or BUILTINS.get(name.text.lower())
            if function is None:
                message = (
                    f"Unrecognized function: '{name.text}'. "
                    f"Located at position {name.offset + 1} within expression: {self.text}"
                )
                raise ExpressionError(message, expression=self.text, offset=name.offset)
        opening = self.tokens[self.position]
        self.position += 1
        self._enter(opening)
        args: list[Node] = []
        if self.tokens[self.position].kind != ")":
            args.append(self._binary(1))
            while self.tokens[self.position].kind == ",":
                self.position += 1
                args.append(self._binary(1))
        self._expect(")")
        self.nesting -= 1
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
            return Case(args=tuple(args), offset=name.offset)
        if name.text.lower() in STATUS_FUNCTIONS:
            self.has_status = True
        return Call(name=name.text, function=function, args=tuple(args), offset=name.offset)
