from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.operation_outcome import OperationOutcome
from ...models.read_research_study_response_200 import ReadResearchStudyResponse200
from typing import cast



def _get_kwargs(
    trial_id: str,

) -> dict[str, Any]:
    

    

    

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/ResearchStudy/{trial_id}".format(trial_id=quote(str(trial_id), safe=""),),
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> OperationOutcome | ReadResearchStudyResponse200 | None:
    if response.status_code == 200:
        response_200 = ReadResearchStudyResponse200.from_dict(response.json())



        return response_200

    if response.status_code == 401:
        response_401 = OperationOutcome.from_dict(response.json())



        return response_401

    if response.status_code == 404:
        response_404 = OperationOutcome.from_dict(response.json())



        return response_404

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[OperationOutcome | ReadResearchStudyResponse200]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    trial_id: str,
    *,
    client: AuthenticatedClient,

) -> Response[OperationOutcome | ReadResearchStudyResponse200]:
    """ Read Research Study

     Read one trial as an R5 ResearchStudy with its eligibility criteria contained.

    Args:
        trial_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OperationOutcome | ReadResearchStudyResponse200]
     """


    kwargs = _get_kwargs(
        trial_id=trial_id,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    trial_id: str,
    *,
    client: AuthenticatedClient,

) -> OperationOutcome | ReadResearchStudyResponse200 | None:
    """ Read Research Study

     Read one trial as an R5 ResearchStudy with its eligibility criteria contained.

    Args:
        trial_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OperationOutcome | ReadResearchStudyResponse200
     """


    return sync_detailed(
        trial_id=trial_id,
client=client,

    ).parsed

async def asyncio_detailed(
    trial_id: str,
    *,
    client: AuthenticatedClient,

) -> Response[OperationOutcome | ReadResearchStudyResponse200]:
    """ Read Research Study

     Read one trial as an R5 ResearchStudy with its eligibility criteria contained.

    Args:
        trial_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OperationOutcome | ReadResearchStudyResponse200]
     """


    kwargs = _get_kwargs(
        trial_id=trial_id,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    trial_id: str,
    *,
    client: AuthenticatedClient,

) -> OperationOutcome | ReadResearchStudyResponse200 | None:
    """ Read Research Study

     Read one trial as an R5 ResearchStudy with its eligibility criteria contained.

    Args:
        trial_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OperationOutcome | ReadResearchStudyResponse200
     """


    return (await asyncio_detailed(
        trial_id=trial_id,
client=client,

    )).parsed
