from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.fhir_bundle import FhirBundle
from ...models.match_parameters import MatchParameters
from ...models.match_patient_fhir_trial_item import MatchPatientFhirTrialItem
from ...models.operation_outcome import OperationOutcome
from ...models.patient_bundle import PatientBundle
from ...types import UNSET, Unset
from typing import cast
import datetime



def _get_kwargs(
    *,
    body:    MatchParameters | PatientBundle  |     MatchParameters | PatientBundle  | Unset = UNSET,
    as_of: datetime.date | Unset = UNSET,
    trial: list[MatchPatientFhirTrialItem] | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    params: dict[str, Any] = {}

    json_as_of: str | Unset = UNSET
    if not isinstance(as_of, Unset):
        json_as_of = as_of.isoformat()
    params["asOf"] = json_as_of

    json_trial: list[str] | Unset = UNSET
    if not isinstance(trial, Unset):
        json_trial = []
        for trial_item_data in trial:
            trial_item = trial_item_data.value
            json_trial.append(trial_item)


    params["trial"] = json_trial


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/ResearchStudy/$match",
        "params": params,
    }

    if isinstance(body, MatchParameters | PatientBundle):
        
        if isinstance(body, PatientBundle):
            _kwargs["json"] = body.to_dict()
        else:
            _kwargs["json"] = body.to_dict()


        headers["Content-Type"] = "application/fhir+json"
    if isinstance(body, MatchParameters | PatientBundle):
        
        if isinstance(body, PatientBundle):
            _kwargs["json"] = body.to_dict()
        else:
            _kwargs["json"] = body.to_dict()


        headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> FhirBundle | OperationOutcome | None:
    if response.status_code == 200:
        response_200 = FhirBundle.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[FhirBundle | OperationOutcome]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body:    MatchParameters | PatientBundle  |     MatchParameters | PatientBundle  | Unset = UNSET,
    as_of: datetime.date | Unset = UNSET,
    trial: list[MatchPatientFhirTrialItem] | Unset = UNSET,

) -> Response[FhirBundle | OperationOutcome]:
    """ Post Match Fhir

     Match one patient's Bundle and answer as a FHIR searchset Bundle of ResearchStudy resources.

    Args:
        as_of (datetime.date | Unset): Date every time rule is relative to (YYYY-MM-DD, 1900-01-01
            to 2200-12-31); default today in UTC.
        trial (list[MatchPatientFhirTrialItem] | Unset): Restrict to these trial ids (repeatable;
            ClinicalTrials.gov NCT numbers of the catalogue).
        body (MatchParameters | PatientBundle):
        body (MatchParameters | PatientBundle):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FhirBundle | OperationOutcome]
     """


    kwargs = _get_kwargs(
        body=body,
as_of=as_of,
trial=trial,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    body:    MatchParameters | PatientBundle  |     MatchParameters | PatientBundle  | Unset = UNSET,
    as_of: datetime.date | Unset = UNSET,
    trial: list[MatchPatientFhirTrialItem] | Unset = UNSET,

) -> FhirBundle | OperationOutcome | None:
    """ Post Match Fhir

     Match one patient's Bundle and answer as a FHIR searchset Bundle of ResearchStudy resources.

    Args:
        as_of (datetime.date | Unset): Date every time rule is relative to (YYYY-MM-DD, 1900-01-01
            to 2200-12-31); default today in UTC.
        trial (list[MatchPatientFhirTrialItem] | Unset): Restrict to these trial ids (repeatable;
            ClinicalTrials.gov NCT numbers of the catalogue).
        body (MatchParameters | PatientBundle):
        body (MatchParameters | PatientBundle):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FhirBundle | OperationOutcome
     """


    return sync_detailed(
        client=client,
body=body,
as_of=as_of,
trial=trial,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body:    MatchParameters | PatientBundle  |     MatchParameters | PatientBundle  | Unset = UNSET,
    as_of: datetime.date | Unset = UNSET,
    trial: list[MatchPatientFhirTrialItem] | Unset = UNSET,

) -> Response[FhirBundle | OperationOutcome]:
    """ Post Match Fhir

     Match one patient's Bundle and answer as a FHIR searchset Bundle of ResearchStudy resources.

    Args:
        as_of (datetime.date | Unset): Date every time rule is relative to (YYYY-MM-DD, 1900-01-01
            to 2200-12-31); default today in UTC.
        trial (list[MatchPatientFhirTrialItem] | Unset): Restrict to these trial ids (repeatable;
            ClinicalTrials.gov NCT numbers of the catalogue).
        body (MatchParameters | PatientBundle):
        body (MatchParameters | PatientBundle):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FhirBundle | OperationOutcome]
     """


    kwargs = _get_kwargs(
        body=body,
as_of=as_of,
trial=trial,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    body:    MatchParameters | PatientBundle  |     MatchParameters | PatientBundle  | Unset = UNSET,
    as_of: datetime.date | Unset = UNSET,
    trial: list[MatchPatientFhirTrialItem] | Unset = UNSET,

) -> FhirBundle | OperationOutcome | None:
    """ Post Match Fhir

     Match one patient's Bundle and answer as a FHIR searchset Bundle of ResearchStudy resources.

    Args:
        as_of (datetime.date | Unset): Date every time rule is relative to (YYYY-MM-DD, 1900-01-01
            to 2200-12-31); default today in UTC.
        trial (list[MatchPatientFhirTrialItem] | Unset): Restrict to these trial ids (repeatable;
            ClinicalTrials.gov NCT numbers of the catalogue).
        body (MatchParameters | PatientBundle):
        body (MatchParameters | PatientBundle):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FhirBundle | OperationOutcome
     """


    return (await asyncio_detailed(
        client=client,
body=body,
as_of=as_of,
trial=trial,

    )).parsed
