from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.cds_patient_view_hook_request import CdsPatientViewHookRequest
from ...models.cds_response import CdsResponse
from ...models.operation_outcome import OperationOutcome
from ...types import UNSET, Unset
from typing import cast
import datetime



def _get_kwargs(
    service_id: str,
    *,
    body: CdsPatientViewHookRequest,
    as_of: datetime.date | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    params: dict[str, Any] = {}

    json_as_of: str | Unset = UNSET
    if not isinstance(as_of, Unset):
        json_as_of = as_of.isoformat()
    params["asOf"] = json_as_of


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/cds-services/{service_id}".format(service_id=quote(str(service_id), safe=""),),
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> CdsResponse | OperationOutcome | None:
    if response.status_code == 200:
        response_200 = CdsResponse.from_dict(response.json())



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

    if response.status_code == 412:
        response_412 = OperationOutcome.from_dict(response.json())



        return response_412

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[CdsResponse | OperationOutcome]:
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
    body: CdsPatientViewHookRequest,
    as_of: datetime.date | Unset = UNSET,

) -> Response[CdsResponse | OperationOutcome]:
    """ Call Service

     Answer a patient-view hook with one card per trial the patient is eligible or possibly eligible for.

    Args:
        service_id (str): The CDS service id: trialmatch-patient-view
        as_of (datetime.date | Unset): Date every time rule is relative to (YYYY-MM-DD, 1900-01-01
            to 2200-12-31); default today in UTC.
        body (CdsPatientViewHookRequest): A CDS Hooks request; prefetch, and keys it lacks fetched
            from ``fhirServer`` with ``fhirAuthorization``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CdsResponse | OperationOutcome]
     """


    kwargs = _get_kwargs(
        service_id=service_id,
body=body,
as_of=as_of,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    service_id: str,
    *,
    client: AuthenticatedClient,
    body: CdsPatientViewHookRequest,
    as_of: datetime.date | Unset = UNSET,

) -> CdsResponse | OperationOutcome | None:
    """ Call Service

     Answer a patient-view hook with one card per trial the patient is eligible or possibly eligible for.

    Args:
        service_id (str): The CDS service id: trialmatch-patient-view
        as_of (datetime.date | Unset): Date every time rule is relative to (YYYY-MM-DD, 1900-01-01
            to 2200-12-31); default today in UTC.
        body (CdsPatientViewHookRequest): A CDS Hooks request; prefetch, and keys it lacks fetched
            from ``fhirServer`` with ``fhirAuthorization``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CdsResponse | OperationOutcome
     """


    return sync_detailed(
        service_id=service_id,
client=client,
body=body,
as_of=as_of,

    ).parsed

async def asyncio_detailed(
    service_id: str,
    *,
    client: AuthenticatedClient,
    body: CdsPatientViewHookRequest,
    as_of: datetime.date | Unset = UNSET,

) -> Response[CdsResponse | OperationOutcome]:
    """ Call Service

     Answer a patient-view hook with one card per trial the patient is eligible or possibly eligible for.

    Args:
        service_id (str): The CDS service id: trialmatch-patient-view
        as_of (datetime.date | Unset): Date every time rule is relative to (YYYY-MM-DD, 1900-01-01
            to 2200-12-31); default today in UTC.
        body (CdsPatientViewHookRequest): A CDS Hooks request; prefetch, and keys it lacks fetched
            from ``fhirServer`` with ``fhirAuthorization``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CdsResponse | OperationOutcome]
     """


    kwargs = _get_kwargs(
        service_id=service_id,
body=body,
as_of=as_of,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    service_id: str,
    *,
    client: AuthenticatedClient,
    body: CdsPatientViewHookRequest,
    as_of: datetime.date | Unset = UNSET,

) -> CdsResponse | OperationOutcome | None:
    """ Call Service

     Answer a patient-view hook with one card per trial the patient is eligible or possibly eligible for.

    Args:
        service_id (str): The CDS service id: trialmatch-patient-view
        as_of (datetime.date | Unset): Date every time rule is relative to (YYYY-MM-DD, 1900-01-01
            to 2200-12-31); default today in UTC.
        body (CdsPatientViewHookRequest): A CDS Hooks request; prefetch, and keys it lacks fetched
            from ``fhirServer`` with ``fhirAuthorization``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CdsResponse | OperationOutcome
     """


    return (await asyncio_detailed(
        service_id=service_id,
client=client,
body=body,
as_of=as_of,

    )).parsed
