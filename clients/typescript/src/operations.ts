// GraphQL documents for the social domain. `npm run generate:graphql` reads them (the
// /* GraphQL */ marker) and writes their result and variable types into
// generated/graphql.ts; each constant carries those types to `client.graphql(...)`.
import type {
  CreatePostMutation,
  CreatePostMutationVariables,
  FeedQuery,
  FeedQueryVariables,
  MeQuery,
  MeQueryVariables,
} from "./generated/graphql.js";

/** A GraphQL document whose result and variables are known to the compiler. */
export type TypedDocument<TData, TVariables> = string & {
  readonly __result?: TData;
  readonly __variables?: TVariables;
};

export const MeDocument: TypedDocument<MeQuery, MeQueryVariables> = /* GraphQL */ `
  query Me {
    me {
      id
      username
      roles
    }
  }
`;

export const FeedDocument: TypedDocument<FeedQuery, FeedQueryVariables> = /* GraphQL */ `
  query Feed($first: Int, $after: String) {
    feed(first: $first, after: $after) {
      edges {
        node {
          id
          content
          createdAt
          author {
            username
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

export const CreatePostDocument: TypedDocument<CreatePostMutation, CreatePostMutationVariables> = /* GraphQL */ `
  mutation CreatePost($content: String!) {
    createPost(content: $content) {
      post {
        id
        content
      }
    }
  }
`;
