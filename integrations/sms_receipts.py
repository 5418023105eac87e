"""Delivery receipts pushed by the text-message gateway (Alibaba Cloud's HTTP batch push of
SmsReport) to /integrations/sms/aliyun/<token>/: recorded on the outbox rows at once
(cases.sms_outbox), beside the beat's polling. docs/operations.md, "Text messages".

The gateway sends no credentials of its own: the address carries a shared secret,
HONGMEI_SMS_RECEIPT_TOKEN. Without it set, or with another token, the address does not
exist (404).
"""

import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cases import sms_aliyun, sms_outbox


@csrf_exempt
@require_POST
def aliyun(request, token):
    expected = settings.HONGMEI_SMS_RECEIPT_TOKEN
    if not expected or not constant_time_compare(token, expected):
        raise Http404
    try:
        receipts = sms_aliyun.parse_reports(json.loads(request.body))
    except (ValueError, RecursionError) as error:  # RecursionError: nesting too deep
        # The gateway pushes again on any answer but code 0; a malformed push never passes.
        return JsonResponse({"code": 400, "msg": str(error)}, status=400)
    sms_outbox.record(receipts)
    # The answer the gateway expects for a push it need not repeat.
    return JsonResponse({"code": 0, "msg": "接收成功"}, json_dumps_params={"ensure_ascii": False})
