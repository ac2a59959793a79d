"""The text/plain part of a digest, as a reader sees it.

plazo writes its text part as format=flowed (RFC 3676): long lines are soft-broken after a
space, and lines that start with a space, ">" or "From " carry one stuffing space. Every
test that reads the text part goes through plain_text() so that it sees the logical lines,
unwrapped the RFC way, whatever the wrapping width.
"""


def unflow(text, delsp=False):
    """RFC 3676 4.2 and 4.4 unwrapping: a line ending in a space (except the signature
    separator "-- ") flows into the next line of the same quote depth; one leading space
    after the quote marks is stuffing. With delsp, the soft break's space is removed."""
    out, para, para_depth = [], None, 0
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        if body.startswith(" "):
            body = body[1:]
        if para is not None and depth != para_depth:
            out.append(para_depth * ">" + para)
            para = None
        soft = body.endswith(" ") and body != "-- "
        if soft and delsp:
            body = body[:-1]
        para = body if para is None else para + body
        para_depth = depth
        if not soft:
            out.append(depth * ">" + para)
            para = None
    if para is not None:
        out.append(para_depth * ">" + para)
    return "\n".join(out)


def flowed_part(part):
    """The decoded text of a text/plain part, unwrapped when it says format=flowed."""
    text = part.get_content()
    if part.get_param("format", "").lower() != "flowed":
        return text
    return unflow(text, part.get_param("delsp", "no").lower() == "yes")


def plain_text(msg):
    """The message's text/plain body (email.message.EmailMessage), unwrapped."""
    return flowed_part(msg.get_body(("plain",)))


def flowed_problems(part, cols=78):
    """What is wrong with a text/plain part as plazo's format=flowed: the parameter, a line
    over cols characters that is not one unbreakable word, an unstuffed line that starts
    with ">" or "From "."""
    problems = []
    if part.get_param("format", "").lower() != "flowed":
        problems.append("text/plain lacks format=flowed: %s" % part["Content-Type"])
    for line in part.get_content().replace("\r\n", "\n").split("\n"):
        if line.startswith(">") or line.startswith("From "):
            problems.append("unstuffed line %r" % line)
        words = line[1:] if line.startswith(" ") else line
        if len(line) > cols and " " in words.strip(" "):
            problems.append("line of %d characters: %r" % (len(line), line))
    return problems
