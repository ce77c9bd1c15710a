from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.list_research_studies_response_200 import ListResearchStudiesResponse200
from ...models.operation_outcome import OperationOutcome
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    field_id: str | Unset = UNSET,
    identifier: str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["_id"] = field_id

    params["identifier"] = identifier


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/ResearchStudy",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ListResearchStudiesResponse200 | OperationOutcome | None:
    if response.status_code == 200:
        response_200 = ListResearchStudiesResponse200.from_dict(response.json())



        return response_200

    if response.status_code == 400:
        response_400 = OperationOutcome.from_dict(response.json())



        return response_400

    if response.status_code == 401:
        response_401 = OperationOutcome.from_dict(response.json())



        return response_401

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ListResearchStudiesResponse200 | OperationOutcome]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    field_id: str | Unset = UNSET,
    identifier: str | Unset = UNSET,

) -> Response[ListResearchStudiesResponse200 | OperationOutcome]:
    """ List Research Studies

     Search the trials (all, or by _id / identifier) as R5 ResearchStudy resources in a searchset Bundle.

    Args:
        field_id (str | Unset): Trial ids, comma-separated
        identifier (str | Unset): [system|]NCT number, comma-separated

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResearchStudiesResponse200 | OperationOutcome]
     """


    kwargs = _get_kwargs(
        field_id=field_id,
identifier=identifier,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    field_id: str | Unset = UNSET,
    identifier: str | Unset = UNSET,

) -> ListResearchStudiesResponse200 | OperationOutcome | None:
    """ List Research Studies

     Search the trials (all, or by _id / identifier) as R5 ResearchStudy resources in a searchset Bundle.

    Args:
        field_id (str | Unset): Trial ids, comma-separated
        identifier (str | Unset): [system|]NCT number, comma-separated

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResearchStudiesResponse200 | OperationOutcome
     """


    return sync_detailed(
        client=client,
field_id=field_id,
identifier=identifier,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    field_id: str | Unset = UNSET,
    identifier: str | Unset = UNSET,

) -> Response[ListResearchStudiesResponse200 | OperationOutcome]:
    """ List Research Studies

     Search the trials (all, or by _id / identifier) as R5 ResearchStudy resources in a searchset Bundle.

    Args:
        field_id (str | Unset): Trial ids, comma-separated
        identifier (str | Unset): [system|]NCT number, comma-separated

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListResearchStudiesResponse200 | OperationOutcome]
     """


    kwargs = _get_kwargs(
        field_id=field_id,
identifier=identifier,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    field_id: str | Unset = UNSET,
    identifier: str | Unset = UNSET,

) -> ListResearchStudiesResponse200 | OperationOutcome | None:
    """ List Research Studies

     Search the trials (all, or by _id / identifier) as R5 ResearchStudy resources in a searchset Bundle.

    Args:
        field_id (str | Unset): Trial ids, comma-separated
        identifier (str | Unset): [system|]NCT number, comma-separated

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListResearchStudiesResponse200 | OperationOutcome
     """


    return (await asyncio_detailed(
        client=client,
field_id=field_id,
identifier=identifier,

    )).parsed
