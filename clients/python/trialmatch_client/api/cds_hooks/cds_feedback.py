from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.cds_feedback_feedback import CdsFeedbackFeedback
from ...models.cds_feedback_response_200 import CdsFeedbackResponse200
from ...models.operation_outcome import OperationOutcome
from typing import cast



def _get_kwargs(
    service_id: str,
    *,
    body: CdsFeedbackFeedback,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/cds-services/{service_id}/feedback".format(service_id=quote(str(service_id), safe=""),),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> CdsFeedbackResponse200 | OperationOutcome | None:
    if response.status_code == 200:
        response_200 = CdsFeedbackResponse200.from_dict(response.json())



        return response_200

    if response.status_code == 400:
        response_400 = OperationOutcome.from_dict(response.json())



        return response_400

    if response.status_code == 401:
        response_401 = OperationOutcome.from_dict(response.json())



        return response_401

    if response.status_code == 404:
        response_404 = OperationOutcome.from_dict(response.json())



        return response_404

    if response.status_code == 413:
        response_413 = OperationOutcome.from_dict(response.json())



        return response_413

    if response.status_code == 415:
        response_415 = OperationOutcome.from_dict(response.json())



        return response_415

    if response.status_code == 422:
        response_422 = OperationOutcome.from_dict(response.json())



        return response_422

    if response.status_code == 500:
        response_500 = OperationOutcome.from_dict(response.json())



        return response_500

    if response.status_code == 503:
        response_503 = OperationOutcome.from_dict(response.json())



        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[CdsFeedbackResponse200 | OperationOutcome]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    service_id: str,
    *,
    client: AuthenticatedClient,
    body: CdsFeedbackFeedback,

) -> Response[CdsFeedbackResponse200 | OperationOutcome]:
    """ Feedback

     Record what the user did with the service's cards: accepted or overridden, and the coded reason.

    Args:
        service_id (str): The CDS service id: trialmatch-patient-view
        body (CdsFeedbackFeedback): The body of POST /cds-services/{id}/feedback.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CdsFeedbackResponse200 | OperationOutcome]
     """


    kwargs = _get_kwargs(
        service_id=service_id,
body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    service_id: str,
    *,
    client: AuthenticatedClient,
    body: CdsFeedbackFeedback,

) -> CdsFeedbackResponse200 | OperationOutcome | None:
    """ Feedback

     Record what the user did with the service's cards: accepted or overridden, and the coded reason.

    Args:
        service_id (str): The CDS service id: trialmatch-patient-view
        body (CdsFeedbackFeedback): The body of POST /cds-services/{id}/feedback.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CdsFeedbackResponse200 | OperationOutcome
     """


    return sync_detailed(
        service_id=service_id,
client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    service_id: str,
    *,
    client: AuthenticatedClient,
    body: CdsFeedbackFeedback,

) -> Response[CdsFeedbackResponse200 | OperationOutcome]:
    """ Feedback

     Record what the user did with the service's cards: accepted or overridden, and the coded reason.

    Args:
        service_id (str): The CDS service id: trialmatch-patient-view
        body (CdsFeedbackFeedback): The body of POST /cds-services/{id}/feedback.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CdsFeedbackResponse200 | OperationOutcome]
     """


    kwargs = _get_kwargs(
        service_id=service_id,
body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    service_id: str,
    *,
    client: AuthenticatedClient,
    body: CdsFeedbackFeedback,

) -> CdsFeedbackResponse200 | OperationOutcome | None:
    """ Feedback

     Record what the user did with the service's cards: accepted or overridden, and the coded reason.

    Args:
        service_id (str): The CDS service id: trialmatch-patient-view
        body (CdsFeedbackFeedback): The body of POST /cds-services/{id}/feedback.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CdsFeedbackResponse200 | OperationOutcome
     """


    return (await asyncio_detailed(
        service_id=service_id,
client=client,
body=body,

    )).parsed
