"""ACS Chat REST API (2020-11-01-preview3 to 2025-03-15): parse and validate the request, call the store, serialise
the answer in the shape of the request's api-version."""

import functools

from . import api, paging, store, throttle, tokens, wire
from .errors import bad_request

DEFAULT_PAGE_SIZE = 100
# ListMessages' documented page size limit; GUESS: the same for the other lists, except participants and
# receipts, where one page may hold a whole thread (250).
MAX_PAGE_SIZE = 200
MAX_MEMBERS_PAGE_SIZE = 250


def _principal(request, **required):
    principal = tokens.authenticate(request.META.get("HTTP_AUTHORIZATION"))
    tokens.require_chat(principal, **required)
    return principal


def _string(body: dict, key: str, *, required: bool = False, default: str = "") -> str:
    value = body.get(key)
    if value is None:
        if required:
            raise bad_request(f"{key} is required.", target=key)
        return default
    if not isinstance(value, str):
        raise bad_request(f"{key} must be a string.", target=key)
    return value


def _metadata(body: dict, *, target: str = "metadata") -> dict | None:
    value = body.get("metadata")
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str | None) for v in value.values()):
        raise bad_request("metadata must be an object of string values.", target=target)
    return value


def _preview(request) -> bool:
    return api.version(request) == api.PREVIEW3


def _message_metadata(request, body: dict) -> dict | None:
    """Message metadata, read only from the versions that have it (older SDKs never send it)."""
    return _metadata(body) if api.version(request) >= api.MESSAGE_METADATA_VERSION else None


def _new_in_2025(request) -> bool:
    return api.version(request) >= api.THREAD_METADATA_VERSION


def _retention_policy(body: dict) -> dict | None:
    """ChatRetentionPolicy: {"kind": "none"} or {"kind": "threadCreationDate", "deleteThreadAfterDays": 30..90}
    (the documented range of automatic deletion)."""
    value = body.get("retentionPolicy")
    if value is None:
        return None
    kind = value.get("kind") if isinstance(value, dict) else None
    if kind == "none":
        return {"kind": "none"}
    if kind != "threadCreationDate":
        raise bad_request("retentionPolicy.kind must be threadCreationDate or none.", target="retentionPolicy.kind")
    days = value.get("deleteThreadAfterDays")
    if isinstance(days, bool) or not isinstance(days, int) or not 30 <= days <= 90:
        target = "retentionPolicy.deleteThreadAfterDays"
        raise bad_request("deleteThreadAfterDays must be an integer between 30 and 90.", target=target)
    return {"kind": kind, "deleteThreadAfterDays": days}


def _participant_id(entry: dict, where: str, *, preview: bool) -> str:
    if not preview:
        return wire.parse_identifier(entry.get("communicationIdentifier"), target=f"{where}.communicationIdentifier")
    raw_id = entry.get("id")
    if not isinstance(raw_id, str) or not raw_id:
        raise bad_request(f"{where}.id is required.", target=f"{where}.id")
    return raw_id


def _participants(
    entries, *, target: str = "participants", metadata: bool = False, preview: bool = False
) -> list[store.NewParticipant]:
    if not isinstance(entries, list):
        raise bad_request(f"{target} must be an array.", target=target)
    result = []
    for i, entry in enumerate(entries):
        where = f"{target}[{i}]"
        if not isinstance(entry, dict):
            raise bad_request(f"{where} must be a ChatParticipant object.", target=where)
        share = entry.get("shareHistoryTime")
        result.append(
            store.NewParticipant(
                user_id=_participant_id(entry, where, preview=preview),
                display_name=_string(entry, "displayName"),
                share_history_time=wire.parse_timestamp(share, target=f"{where}.shareHistoryTime")
                if share
                else None,
                metadata=_metadata(entry, target=f"{where}.metadata") if metadata else None,
            )
        )
    return result


def _invalid(invalid: list[store.InvalidParticipant]) -> list[dict]:
    return [{"code": i.code, "message": i.message, "target": i.target} for i in invalid]


def _start_time(request):
    raw = request.GET.get("startTime")
    return wire.parse_timestamp(raw, target="startTime") if raw else None


def _page_params(request, state: dict | None, keyset: dict[str, type]):
    """maxPageSize, startTime and the keyset: from the query on a first page, from the continuation token
    after (checked against the keyset's field types: a forged token is a 400, not a 500)."""
    size = paging.page_size(request, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    if state is None:
        return size, _start_time(request), None
    after, start = state.get("k"), state.get("t")
    if not isinstance(after, dict) or not all(isinstance(after.get(k), t) for k, t in keyset.items()):
        raise bad_request("continuationToken is not valid.", target="continuationToken")
    return size, wire.parse_timestamp(start, target="continuationToken") if start else None, after


def _keyset_link(request, path: str, size: int, start_time, after: dict | None) -> str | None:
    if after is None:
        return None
    state = {"k": after, "t": start_time.isoformat() if start_time else None}
    return paging.next_link(request, path, continuationToken=paging.encode_token(state), maxPageSize=size)


def _skip_link(request, path: str, size: int, after: dict | None) -> str | None:
    return paging.next_link(request, path, skip=after["skip"], maxPageSize=size) if after else None


# --- threads -------------------------------------------------------------------------------------------


def create_thread(request):
    principal = _principal(request, manage_threads=True)
    throttle.check("create_thread", user=principal.user_id)
    body = api.json_body(request)
    new = _new_in_2025(request)
    thread, invalid = store.thread_create(
        creator=principal.user_id,
        topic=_string(body, "topic", required=True),
        participants=_participants(body.get("participants") or [], metadata=new, preview=_preview(request)),
        repeatability_id=request.headers.get("repeatability-request-id"),
        metadata=_metadata(body) if new else None,
        retention_policy=_retention_policy(body) if new else None,
    )
    if _preview(request):
        result = {"chatThread": wire.thread_preview(thread)}
        if invalid:
            result["errors"] = {"invalidParticipants": _invalid(invalid)}
    else:
        result = {"chatThread": wire.thread_properties(thread, with_metadata=new)}
        if invalid:
            result["invalidParticipants"] = _invalid(invalid)
    response = api.ok_json(result, status=201)
    response["Location"] = paging.absolute_url(request, paging.thread_path(thread.id))
    return response


def list_threads(request):
    principal = _principal(request)
    throttle.check("get_thread", user=principal.user_id)
    state = paging.decode_token(request)
    size, start_time, after = _page_params(request, state, {"u": str, "i": str})
    if after:
        after = {**after, "u": wire.parse_timestamp(after["u"], target="continuationToken")}
    page = store.threads_list(user=principal.user_id, size=size, start_time=start_time, after=after)
    link = _keyset_link(request, "/chat/threads", size, start_time, page.after)
    return api.ok_json(wire.collection([wire.thread_item(t) for t in page.items], link))


def get_thread(request, thread_id):
    principal = _principal(request)
    throttle.check("get_thread", user=principal.user_id)
    thread = store.thread_get(user=principal.user_id, thread_id=thread_id)
    if _preview(request):
        return api.ok_json(wire.thread_preview(thread))
    return api.ok_json(wire.thread_properties(thread, with_metadata=_new_in_2025(request)))


def update_thread(request, thread_id):
    principal = _principal(request, manage_threads=True)
    throttle.check("update_thread", thread=thread_id)
    body = api.json_body(request)  # an empty PATCH is a 400; `{}` is a valid merge-patch
    new = _new_in_2025(request)
    store.thread_update(
        user=principal.user_id,
        thread_id=thread_id,
        topic=_string(body, "topic", default=None),
        metadata=_metadata(body) if new else None,
        retention_policy=_retention_policy(body) if new else None,
    )
    return api.no_content()


def delete_thread(request, thread_id):
    principal = _principal(request, manage_threads=True)
    throttle.check("delete_thread", user=principal.user_id)
    store.thread_delete(user=principal.user_id, thread_id=thread_id)
    return api.no_content()


# --- messages ------------------------------------------------------------------------------------------


def send_message(request, thread_id):
    principal = _principal(request)
    throttle.check("send_message", thread=thread_id)
    body = api.json_body(request)
    message = store.message_send(
        user=principal.user_id,
        thread_id=thread_id,
        type=_string(body, "type", default="text"),
        content=_string(body, "content", required=True),
        display_name=_string(body, "senderDisplayName"),
        metadata=_message_metadata(request, body),
    )
    response = api.ok_json({"id": str(message.message_id)}, status=201)
    response["Location"] = paging.absolute_url(request, paging.thread_path(thread_id, f"messages/{message.message_id}"))
    return response


def list_messages(request, thread_id):
    principal = _principal(request)
    throttle.check("list_messages", user=principal.user_id, thread=thread_id)
    state = paging.decode_token(request)
    size, start_time, after = _page_params(request, state, {"s": int})
    page = store.messages_list(
        user=principal.user_id, thread_id=thread_id, size=size, start_time=start_time, after=after
    )
    link = _keyset_link(request, paging.thread_path(thread_id, "messages"), size, start_time, page.after)
    serialise = _serialise_message(request)
    return api.ok_json(wire.collection([serialise(m) for m in page.items], link))


def _serialise_message(request):
    if _preview(request):
        return wire.message_preview
    if api.version(request) < api.MESSAGE_METADATA_VERSION:
        return functools.partial(wire.message, with_metadata=False)
    return wire.message


def get_message(request, thread_id, message_id):
    principal = _principal(request)
    throttle.check("get_message", user=principal.user_id, thread=thread_id)
    message = store.message_get(user=principal.user_id, thread_id=thread_id, message_id=message_id)
    return api.ok_json(_serialise_message(request)(message))


def update_message(request, thread_id, message_id):
    principal = _principal(request)
    throttle.check("send_message", thread=thread_id)
    body = api.json_body(request)
    store.message_update(
        user=principal.user_id,
        thread_id=thread_id,
        message_id=message_id,
        content=_string(body, "content", default=None),
        metadata=_message_metadata(request, body),
    )
    return api.no_content()


def delete_message(request, thread_id, message_id):
    principal = _principal(request)
    throttle.check("send_message", thread=thread_id)
    store.message_delete(user=principal.user_id, thread_id=thread_id, message_id=message_id)
    return api.no_content()


# --- participants -------------------------------------------------------------------------------------


def list_participants(request, thread_id):
    principal = _principal(request)
    throttle.check("list_participants", user=principal.user_id, thread=thread_id)
    size = paging.page_size(request, default=DEFAULT_PAGE_SIZE, maximum=MAX_MEMBERS_PAGE_SIZE)
    page = store.participants_list(
        user=principal.user_id, thread_id=thread_id, skip=paging.skip(request), size=size
    )
    link = _skip_link(request, paging.thread_path(thread_id, "participants"), size, page.after)
    if _preview(request):
        items = [wire.participant_preview(p) for p in page.items]
    else:
        items = [wire.participant(p, with_metadata=_new_in_2025(request)) for p in page.items]
    return api.ok_json(wire.collection(items, link))


def add_thread_participants(request, thread_id):
    principal = _principal(request, manage_participants=True)
    throttle.check("change_participants", thread=thread_id)
    body = api.json_body(request)
    if "participants" not in body:
        raise bad_request("participants is required.", target="participants")
    preview = _preview(request)
    participants = _participants(body["participants"], metadata=_new_in_2025(request), preview=preview)
    invalid = store.participants_add(user=principal.user_id, thread_id=thread_id, participants=participants)
    if not invalid:
        return api.ok_json({}, status=201)
    errors = {"invalidParticipants": _invalid(invalid)}
    return api.ok_json({"errors": errors} if preview else errors, status=201)


def remove_thread_participant(request, thread_id):
    principal = _principal(request, manage_participants=True)
    throttle.check("change_participants", thread=thread_id)
    target = wire.parse_identifier(api.json_body(request), target="communicationIdentifier")
    store.participant_remove(user=principal.user_id, thread_id=thread_id, target=target)
    return api.no_content()


def remove_thread_participant_by_id(request, thread_id, participant_id):
    """2020-11-01-preview3: DELETE /chat/threads/{id}/participants/{participantId}."""
    principal = _principal(request, manage_participants=True)
    throttle.check("change_participants", thread=thread_id)
    store.participant_remove(user=principal.user_id, thread_id=thread_id, target=participant_id)
    return api.no_content()


# --- read receipts and typing ---------------------------------------------------------------------------


def send_read_receipt(request, thread_id):
    principal = _principal(request)
    throttle.check("send_read_receipt", user=principal.user_id, thread=thread_id)
    message_id = _string(api.json_body(request), "chatMessageId", required=True)
    store.read_receipt_send(user=principal.user_id, thread_id=thread_id, message_id=message_id)
    return api.no_content(status=200)


def list_read_receipts(request, thread_id):
    principal = _principal(request)
    throttle.check("list_read_receipts", user=principal.user_id, thread=thread_id)
    size = paging.page_size(request, default=DEFAULT_PAGE_SIZE, maximum=MAX_MEMBERS_PAGE_SIZE)
    page = store.read_receipts_list(
        user=principal.user_id, thread_id=thread_id, skip=paging.skip(request), size=size
    )
    link = _skip_link(request, paging.thread_path(thread_id, "readReceipts"), size, page.after)
    serialise = wire.read_receipt_preview if _preview(request) else wire.read_receipt
    return api.ok_json(wire.collection([serialise(r) for r in page.items], link))


def send_typing(request, thread_id):
    principal = _principal(request)
    throttle.check("typing", user=principal.user_id, thread=thread_id)
    body = api.json_body(request, allow_empty=True)
    _string(body, "senderDisplayName")
    store.typing(user=principal.user_id, thread_id=thread_id)
    return api.no_content(status=200)


# --- routes (names used by urls.py) -------------------------------------------------------------------

V = api.CHAT_API_VERSIONS
threads = api.endpoint(methods={"POST": create_thread, "GET": list_threads}, versions=V)
thread = api.endpoint(
    methods={"GET": get_thread, "PATCH": update_thread, "DELETE": delete_thread}, versions=V
)
messages = api.endpoint(methods={"POST": send_message, "GET": list_messages}, versions=V)
message = api.endpoint(
    methods={"GET": get_message, "PATCH": update_message, "DELETE": delete_message}, versions=V
)
participants = api.endpoint(methods={"GET": list_participants}, versions=V)
add_participants = api.endpoint(methods={"POST": add_thread_participants}, versions=V)
remove_participant = api.endpoint(methods={"POST": remove_thread_participant}, versions=V)
participant = api.endpoint(methods={"DELETE": remove_thread_participant_by_id}, versions=(api.PREVIEW3,))
read_receipts = api.endpoint(methods={"POST": send_read_receipt, "GET": list_read_receipts}, versions=V)
typing = api.endpoint(methods={"POST": send_typing}, versions=V)
