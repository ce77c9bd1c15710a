from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.facts_response import FactsResponse
from ...models.operation_outcome import OperationOutcome
from ...models.patient_bundle import PatientBundle
from ...types import UNSET, Unset
from typing import cast
import datetime



def _get_kwargs(
    *,
    body:    PatientBundle  |     PatientBundle  | Unset = UNSET,
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
        "url": "/facts",
        "params": params,
    }

    if isinstance(body, PatientBundle):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/fhir+json"
    if isinstance(body, PatientBundle):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> FactsResponse | OperationOutcome | None:
    if response.status_code == 200:
        response_200 = FactsResponse.from_dict(response.json())



        return response_200

    if response.status_code == 400:
        response_400 = OperationOutcome.from_dict(response.json())



        return response_400

    if response.status_code == 401:
        response_401 = OperationOutcome.from_dict(response.json())



        return response_401

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[FactsResponse | OperationOutcome]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body:    PatientBundle  |     PatientBundle  | Unset = UNSET,
    as_of: datetime.date | Unset = UNSET,

) -> Response[FactsResponse | OperationOutcome]:
    """ Post Facts

     Show what the service read from a Bundle: labs in canonical units, records, scores, warnings.

    Args:
        as_of (datetime.date | Unset): Date every time rule is relative to (YYYY-MM-DD, 1900-01-01
            to 2200-12-31); default today in UTC.
        body (PatientBundle): A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html) holding
            exactly one Patient.
        body (PatientBundle): A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html) holding
            exactly one Patient.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FactsResponse | OperationOutcome]
     """


    kwargs = _get_kwargs(
        body=body,
as_of=as_of,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    body:    PatientBundle  |     PatientBundle  | Unset = UNSET,
    as_of: datetime.date | Unset = UNSET,

) -> FactsResponse | OperationOutcome | None:
    """ Post Facts

     Show what the service read from a Bundle: labs in canonical units, records, scores, warnings.

    Args:
        as_of (datetime.date | Unset): Date every time rule is relative to (YYYY-MM-DD, 1900-01-01
            to 2200-12-31); default today in UTC.
        body (PatientBundle): A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html) holding
            exactly one Patient.
        body (PatientBundle): A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html) holding
            exactly one Patient.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FactsResponse | OperationOutcome
     """


    return sync_detailed(
        client=client,
body=body,
as_of=as_of,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body:    PatientBundle  |     PatientBundle  | Unset = UNSET,
    as_of: datetime.date | Unset = UNSET,

) -> Response[FactsResponse | OperationOutcome]:
    """ Post Facts

     Show what the service read from a Bundle: labs in canonical units, records, scores, warnings.

    Args:
        as_of (datetime.date | Unset): Date every time rule is relative to (YYYY-MM-DD, 1900-01-01
            to 2200-12-31); default today in UTC.
        body (PatientBundle): A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html) holding
            exactly one Patient.
        body (PatientBundle): A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html) holding
            exactly one Patient.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FactsResponse | OperationOutcome]
     """


    kwargs = _get_kwargs(
        body=body,
as_of=as_of,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    body:    PatientBundle  |     PatientBundle  | Unset = UNSET,
    as_of: datetime.date | Unset = UNSET,

) -> FactsResponse | OperationOutcome | None:
    """ Post Facts

     Show what the service read from a Bundle: labs in canonical units, records, scores, warnings.

    Args:
        as_of (datetime.date | Unset): Date every time rule is relative to (YYYY-MM-DD, 1900-01-01
            to 2200-12-31); default today in UTC.
        body (PatientBundle): A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html) holding
            exactly one Patient.
        body (PatientBundle): A FHIR R4 Bundle (https://hl7.org/fhir/R4/bundle.html) holding
            exactly one Patient.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FactsResponse | OperationOutcome
     """


    return (await asyncio_detailed(
        client=client,
body=body,
as_of=as_of,

    )).parsed
