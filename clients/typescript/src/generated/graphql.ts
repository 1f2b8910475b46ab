/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * An instant, as RFC 3339 in UTC ending in `Z` (`2026-12-07T11:41:57.123456Z`), as
   * REST writes it. Input takes any RFC 3339 offset.
   */
  DateTime: { input: string; output: string; }
};

/** Block an account: follows both ways end, and it can no longer follow the viewer, see the viewer's posts or interact with them. */
export type BlockUserPayload = {
  __typename?: 'BlockUserPayload';
  /** True when done. */
  ok: Scalars['Boolean']['output'];
  /** The other account, as it is now. */
  user?: Maybe<User>;
};

/** A comment on a post. */
export type Comment = {
  __typename?: 'Comment';
  /** Who wrote it. */
  author: User;
  /** When it was written. */
  createdAt: Scalars['DateTime']['output'];
  /** The comment's id. */
  id: Scalars['ID']['output'];
  /** The id of the post it belongs to. */
  postId: Scalars['ID']['output'];
  /** The text, up to 2,000 characters. */
  text: Scalars['String']['output'];
};

/** A page of comments with opaque cursors. */
export type CommentConnection = {
  __typename?: 'CommentConnection';
  /** Contains the nodes in this connection. */
  edges: Array<Maybe<CommentEdge>>;
  /** Pagination data for this connection. */
  pageInfo: PageInfo;
};

/** A Relay edge containing a `Comment` and its cursor. */
export type CommentEdge = {
  __typename?: 'CommentEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node?: Maybe<Comment>;
};

/** Comment on a post. */
export type CreateCommentPayload = {
  __typename?: 'CreateCommentPayload';
  /** The new comment. */
  comment?: Maybe<Comment>;
};

/** Publish a post; it reaches followers' feeds within moments. */
export type CreatePostPayload = {
  __typename?: 'CreatePostPayload';
  /** The new post. */
  post?: Maybe<Post>;
};

/** Register an account (anonymous; the same rules as REST registration, every bad field in one error) and sign it in: the user and a token pair. */
export type CreateUserPayload = {
  __typename?: 'CreateUserPayload';
  /** An access token for the new account, as `POST /api/v1/auth/token/` gives: send `Authorization: Bearer <access>`. */
  access: Scalars['String']['output'];
  /** Its refresh token: exchange at `POST /api/v1/auth/token/refresh/`. */
  refresh: Scalars['String']['output'];
  /** The new account. */
  user?: Maybe<User>;
};

/** Delete a comment (its author, or a moderator). */
export type DeleteCommentPayload = {
  __typename?: 'DeleteCommentPayload';
  /** True once the comment is gone. */
  ok: Scalars['Boolean']['output'];
};

/** Delete a post (its author, or a moderator); it leaves every feed. */
export type DeletePostPayload = {
  __typename?: 'DeletePostPayload';
  /** True once the post is gone. */
  ok: Scalars['Boolean']['output'];
};

/** The home feed, newest first. A post appears once; when it is there because someone the viewer follows shared it, its edge says who and when. */
export type FeedConnection = {
  __typename?: 'FeedConnection';
  /** Contains the nodes in this connection. */
  edges: Array<Maybe<FeedEdge>>;
  /** Pagination data for this connection. */
  pageInfo: PageInfo;
};

/** A Relay edge containing a `Feed` and its cursor. */
export type FeedEdge = {
  __typename?: 'FeedEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node?: Maybe<Post>;
  /** How the entry reached the feed: fanned out when written, or merged at read time from a much-followed account. */
  origin: FeedOrigin;
  /** When it was shared, or null. */
  sharedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Who shared the post into the feed (the newest share), or null. */
  sharedBy?: Maybe<User>;
  /** How many of the accounts the viewer follows (and the viewer) shared the post: `sharedBy` is the newest of them; 0 if it came by its author. */
  sharedByCount: Scalars['Int']['output'];
};

/** How an entry reached the home feed: the hybrid fan-out's two halves. */
export type FeedOrigin =
  /** Pushed into the feed when it was posted or shared (by the viewer, or an account below the fan-out threshold); read from the feed store, or recomputed from the tables as the fan-out writes it when that is cold or absent. */
  | 'FANNED_OUT'
  /** Posted or shared by a followed account with at least SOCIAL_FANOUT_MAX_FOLLOWERS followers (a celebrity): never pushed into followers' feeds, merged in as the feed is read. */
  | 'MERGED_AT_READ';

/** Follow an account: its recent posts join the viewer's feed. */
export type FollowUserPayload = {
  __typename?: 'FollowUserPayload';
  /** True when done. */
  ok: Scalars['Boolean']['output'];
  /** The other account, as it is now. */
  user?: Maybe<User>;
};

/** Like a post; liking it again changes nothing. */
export type LikePostPayload = {
  __typename?: 'LikePostPayload';
  /** The post, with its updated like count. */
  post?: Maybe<Post>;
};

/** Entry points for changing the Nexus graph (send them with POST). */
export type Mutation = {
  __typename?: 'Mutation';
  /** Block an account: follows both ways end, and it can no longer follow the viewer, see the viewer's posts or interact with them. */
  blockUser?: Maybe<BlockUserPayload>;
  /** Comment on a post. */
  createComment?: Maybe<CreateCommentPayload>;
  /** Publish a post; it reaches followers' feeds within moments. */
  createPost?: Maybe<CreatePostPayload>;
  /** Register an account (anonymous; the same rules as REST registration, every bad field in one error) and sign it in: the user and a token pair. */
  createUser?: Maybe<CreateUserPayload>;
  /** Delete a comment (its author, or a moderator). */
  deleteComment?: Maybe<DeleteCommentPayload>;
  /** Delete a post (its author, or a moderator); it leaves every feed. */
  deletePost?: Maybe<DeletePostPayload>;
  /** Follow an account: its recent posts join the viewer's feed. */
  followUser?: Maybe<FollowUserPayload>;
  /** Like a post; liking it again changes nothing. */
  likePost?: Maybe<LikePostPayload>;
  /** Mute an account: its posts and shares leave the viewer's feed; it is not told. */
  muteUser?: Maybe<MuteUserPayload>;
  /** Share (repost) a post into the viewer's followers' feeds; once per post. */
  sharePost?: Maybe<SharePostPayload>;
  /** Lift a block. */
  unblockUser?: Maybe<UnblockUserPayload>;
  /** Stop following an account: its posts and shares leave the viewer's feed. */
  unfollowUser?: Maybe<UnfollowUserPayload>;
  /** Remove the viewer's like; unliking again changes nothing. */
  unlikePost?: Maybe<UnlikePostPayload>;
  /** Unmute an account. */
  unmuteUser?: Maybe<UnmuteUserPayload>;
  /** Edit a post's text (its author only). */
  updatePost?: Maybe<UpdatePostPayload>;
  /** Change the viewer's bio and profile picture. */
  updateProfile?: Maybe<UpdateProfilePayload>;
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationBlockUserArgs = {
  username: Scalars['String']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationCreateCommentArgs = {
  postId: Scalars['ID']['input'];
  text: Scalars['String']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationCreatePostArgs = {
  content: Scalars['String']['input'];
  mediaUrl?: InputMaybe<Scalars['String']['input']>;
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationCreateUserArgs = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
  username: Scalars['String']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationDeleteCommentArgs = {
  commentId: Scalars['ID']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationDeletePostArgs = {
  postId: Scalars['ID']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationFollowUserArgs = {
  username: Scalars['String']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationLikePostArgs = {
  postId: Scalars['ID']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationMuteUserArgs = {
  username: Scalars['String']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationSharePostArgs = {
  comment?: InputMaybe<Scalars['String']['input']>;
  postId: Scalars['ID']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationUnblockUserArgs = {
  username: Scalars['String']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationUnfollowUserArgs = {
  username: Scalars['String']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationUnlikePostArgs = {
  postId: Scalars['ID']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationUnmuteUserArgs = {
  username: Scalars['String']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationUpdatePostArgs = {
  content: Scalars['String']['input'];
  postId: Scalars['ID']['input'];
};


/** Entry points for changing the Nexus graph (send them with POST). */
export type MutationUpdateProfileArgs = {
  bio?: InputMaybe<Scalars['String']['input']>;
  profilePicture?: InputMaybe<Scalars['String']['input']>;
};

/** Mute an account: its posts and shares leave the viewer's feed; it is not told. */
export type MuteUserPayload = {
  __typename?: 'MuteUserPayload';
  /** True when done. */
  ok: Scalars['Boolean']['output'];
  /** The other account, as it is now. */
  user?: Maybe<User>;
};

/** The Relay compliant `PageInfo` type, containing data necessary to paginate this connection. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** When paginating forwards, the cursor to continue. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** When paginating forwards, are there more items? */
  hasNextPage: Scalars['Boolean']['output'];
  /** When paginating backwards, are there more items? */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** When paginating backwards, the cursor to continue. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** A post: text up to 5,000 characters and an optional media link. */
export type Post = {
  __typename?: 'Post';
  /** Who wrote it. */
  author: User;
  /** How many of its comments the viewer may read (exact). */
  commentCount: Scalars['Int']['output'];
  /** Its comments, oldest first. */
  comments: CommentConnection;
  /** The text, up to 5,000 characters. */
  content: Scalars['String']['output'];
  /** When it was posted. */
  createdAt: Scalars['DateTime']['output'];
  /** The post's id (the same as in REST). */
  id: Scalars['ID']['output'];
  /** How many accounts like it (exact). */
  likeCount: Scalars['Int']['output'];
  /** An http(s) link to an image or video, or null. */
  mediaUrl?: Maybe<Scalars['String']['output']>;
  /** How many times it was shared (exact). */
  shareCount: Scalars['Int']['output'];
  /** When it was last edited. */
  updatedAt: Scalars['DateTime']['output'];
  /** Whether the signed-in viewer likes it (false if anonymous). */
  viewerHasLiked: Scalars['Boolean']['output'];
};


/** A post: text up to 5,000 characters and an optional media link. */
export type PostCommentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A page of posts with opaque cursors. */
export type PostConnection = {
  __typename?: 'PostConnection';
  /** Contains the nodes in this connection. */
  edges: Array<Maybe<PostEdge>>;
  /** Pagination data for this connection. */
  pageInfo: PageInfo;
};

/** A Relay edge containing a `Post` and its cursor. */
export type PostEdge = {
  __typename?: 'PostEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node?: Maybe<Post>;
};

/** Entry points for reading the Nexus graph. */
export type Query = {
  __typename?: 'Query';
  /** A post's comments, oldest first. */
  comments: CommentConnection;
  /** The viewer's home feed: posts and shares by the accounts they follow, and their own, newest first. Requires authentication. */
  feed: FeedConnection;
  /** The authenticated user (send `Authorization: Bearer <access>`), or null for anonymous requests. */
  me?: Maybe<User>;
  /** One post, or null if it does not exist or is hidden from the viewer. */
  post?: Maybe<Post>;
  /** Posts, newest first; all of them or one author's. */
  posts: PostConnection;
  /** Posts with the most likes, comments and shares in the last 24 hours (recomputed about every minute). */
  trending: Array<Post>;
  /** One account by username, or null if there is none. */
  user?: Maybe<User>;
  /** Accounts by username, optionally filtered by `search`. */
  users: UserConnection;
  /** Accounts to suggest to the viewer: none they follow, mute or block (either way); the most followed by the accounts they follow first, then the most followed overall. Requires authentication. */
  whoToFollow: Array<User>;
};


/** Entry points for reading the Nexus graph. */
export type QueryCommentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  postId: Scalars['ID']['input'];
};


/** Entry points for reading the Nexus graph. */
export type QueryFeedArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  userId?: InputMaybe<Scalars['ID']['input']>;
};


/** Entry points for reading the Nexus graph. */
export type QueryPostArgs = {
  id: Scalars['ID']['input'];
};


/** Entry points for reading the Nexus graph. */
export type QueryPostsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  authorUsername?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Entry points for reading the Nexus graph. */
export type QueryTrendingArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Entry points for reading the Nexus graph. */
export type QueryUserArgs = {
  username: Scalars['String']['input'];
};


/** Entry points for reading the Nexus graph. */
export type QueryUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};


/** Entry points for reading the Nexus graph. */
export type QueryWhoToFollowArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A repost of a post by another account, optionally with a comment. */
export type Share = {
  __typename?: 'Share';
  /** What the sharer added; may be empty. */
  comment: Scalars['String']['output'];
  /** When it was shared. */
  createdAt: Scalars['DateTime']['output'];
  /** The share's id. */
  id: Scalars['ID']['output'];
  /** The post shared. */
  post: Post;
  /** Who shared the post. */
  user: User;
};

/** Share (repost) a post into the viewer's followers' feeds; once per post. */
export type SharePostPayload = {
  __typename?: 'SharePostPayload';
  /** The shared post, with its updated share count. */
  post?: Maybe<Post>;
  /** The viewer's share of the post. */
  share?: Maybe<Share>;
};

/** Lift a block. */
export type UnblockUserPayload = {
  __typename?: 'UnblockUserPayload';
  /** True when done. */
  ok: Scalars['Boolean']['output'];
  /** The other account, as it is now. */
  user?: Maybe<User>;
};

/** Stop following an account: its posts and shares leave the viewer's feed. */
export type UnfollowUserPayload = {
  __typename?: 'UnfollowUserPayload';
  /** True when done. */
  ok: Scalars['Boolean']['output'];
  /** The other account, as it is now. */
  user?: Maybe<User>;
};

/** Remove the viewer's like; unliking again changes nothing. */
export type UnlikePostPayload = {
  __typename?: 'UnlikePostPayload';
  /** The post, with its updated like count. */
  post?: Maybe<Post>;
};

/** Unmute an account. */
export type UnmuteUserPayload = {
  __typename?: 'UnmuteUserPayload';
  /** True when done. */
  ok: Scalars['Boolean']['output'];
  /** The other account, as it is now. */
  user?: Maybe<User>;
};

/** Edit a post's text (its author only). */
export type UpdatePostPayload = {
  __typename?: 'UpdatePostPayload';
  /** The edited post. */
  post?: Maybe<Post>;
};

/** Change the viewer's bio and profile picture. */
export type UpdateProfilePayload = {
  __typename?: 'UpdateProfilePayload';
  /** The updated account. */
  user?: Maybe<User>;
};

/** A Nexus account, the identity shared by every context, with its social profile. */
export type User = {
  __typename?: 'User';
  /** Short self-description; may be empty. */
  bio: Scalars['String']['output'];
  /** When the account was created. */
  dateJoined: Scalars['DateTime']['output'];
  /** Given name; may be empty. */
  firstName: Scalars['String']['output'];
  /** How many accounts follow this one. */
  followerCount: Scalars['Int']['output'];
  /** How many accounts this one follows. */
  followingCount: Scalars['Int']['output'];
  /** The user's id (the same as in REST). */
  id: Scalars['ID']['output'];
  /** Operates the store and the site (catalog, orders, admin). Private: shown to the account itself and to staff, null for anyone else. */
  isStaff?: Maybe<Scalars['Boolean']['output']>;
  /** Family name; may be empty. */
  lastName: Scalars['String']['output'];
  /** How many posts this account has that the viewer may see (exact; none across a block). */
  postCount: Scalars['Int']['output'];
  /** This account's posts, newest first. */
  posts: PostConnection;
  /** URL of the profile picture (http or https); may be empty. */
  profilePicture: Scalars['String']['output'];
  /** Role names: customer, candidate, employer, moderator. Private: shown to the account itself and to staff, null for anyone else. */
  roles?: Maybe<Array<Scalars['String']['output']>>;
  /** Unique, case-insensitive handle. */
  username: Scalars['String']['output'];
  /** Whether the signed-in viewer blocks this account. */
  viewerBlocks: Scalars['Boolean']['output'];
  /** Whether the signed-in viewer follows this account. */
  viewerFollows: Scalars['Boolean']['output'];
  /** Whether the signed-in viewer mutes this account. */
  viewerMutes: Scalars['Boolean']['output'];
};


/** A Nexus account, the identity shared by every context, with its social profile. */
export type UserPostsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A page of accounts with opaque cursors. */
export type UserConnection = {
  __typename?: 'UserConnection';
  /** Contains the nodes in this connection. */
  edges: Array<Maybe<UserEdge>>;
  /** Pagination data for this connection. */
  pageInfo: PageInfo;
};

/** A Relay edge containing a `User` and its cursor. */
export type UserEdge = {
  __typename?: 'UserEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node?: Maybe<User>;
};

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, username: string, roles: Array<string> | null } | null };

export type FeedQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type FeedQuery = { feed: { edges: Array<{ node: { id: string, content: string, createdAt: string, author: { username: string } } | null } | null>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreatePostMutationVariables = Exact<{
  content: string;
}>;


export type CreatePostMutation = { createPost: { post: { id: string, content: string } | null } | null };
