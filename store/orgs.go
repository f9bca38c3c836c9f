package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

type orgDoc struct {
	ID               string    `bson:"_id"`
	Name             string    `bson:"name"`
	CreatedAt        time.Time `bson:"created_at"`
	SupportResources string    `bson:"support_resources,omitempty"` // JSON
}

type tokenDoc struct {
	ID        string     `bson:"_id"`
	OrgID     string     `bson:"org_id"`
	Role      string     `bson:"role"`
	Name      string     `bson:"name"`
	Hash      string     `bson:"hash"`
	CreatedAt time.Time  `bson:"created_at"`
	RevokedAt *time.Time `bson:"revoked_at,omitempty"`
}

func orgToDoc(o surveys.Org) (orgDoc, error) {
	d := orgDoc{ID: o.ID, Name: o.Name, CreatedAt: o.CreatedAt}
	if len(o.SupportResources) > 0 {
		raw, err := toJSON(o.SupportResources)
		if err != nil {
			return d, err
		}
		d.SupportResources = raw
	}
	return d, nil
}

func orgFromDoc(d orgDoc) (surveys.Org, error) {
	o := surveys.Org{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt}
	if len(d.SupportResources) > 0 {
		if err := fromJSON(d.SupportResources, &o.SupportResources); err != nil {
			return o, err
		}
	}
	return o, nil
}

func tokenToDoc(t surveys.Token) tokenDoc {
	return tokenDoc{ID: t.ID, OrgID: t.OrgID, Role: string(t.Role), Name: t.Name, Hash: t.Hash, CreatedAt: t.CreatedAt, RevokedAt: t.RevokedAt}
}

func tokenFromDoc(d tokenDoc) surveys.Token {
	return surveys.Token{ID: d.ID, OrgID: d.OrgID, Role: surveys.Role(d.Role), Name: d.Name, Hash: d.Hash, CreatedAt: d.CreatedAt, RevokedAt: d.RevokedAt}
}

// CreateOrg stores a new organisation and its first owner token, and
// returns the token's secret, which is not kept.
func (s *Store) CreateOrg(ctx context.Context, name string, now time.Time) (surveys.Org, string, error) {
	org := surveys.Org{ID: uuid.NewString(), Name: name, CreatedAt: now.UTC()}
	doc, err := orgToDoc(org)
	if err != nil {
		return org, "", err
	}
	if _, err := s.db.Collection(colOrgs).InsertOne(ctx, doc); err != nil {
		return org, "", s.fail("create org", err)
	}
	secret := surveys.NewTokenSecret()
	if _, err := s.CreateToken(ctx, org.ID, surveys.Owner, "first owner token", secret, now); err != nil {
		return org, "", err
	}
	return org, secret, nil
}

// Bootstrap creates the organisation "default" with secret as its owner
// token, when no organisation exists yet. It reports whether it did.
func (s *Store) Bootstrap(ctx context.Context, secret string, now time.Time) (bool, error) {
	n, err := s.db.Collection(colOrgs).CountDocuments(ctx, bson.D{})
	if err != nil {
		return false, s.fail("count orgs", err)
	}
	if n > 0 {
		return false, nil
	}
	// A fixed id makes a concurrent bootstrap by a second process a
	// duplicate key instead of a second organisation.
	org := surveys.Org{ID: "default", Name: "default", CreatedAt: now.UTC()}
	doc, _ := orgToDoc(org)
	if _, err := s.db.Collection(colOrgs).InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return false, s.fail("bootstrap org", err)
	}
	if _, err := s.CreateToken(ctx, org.ID, surveys.Owner, "bootstrap token", secret, now); err != nil {
		return false, err
	}
	return true, nil
}

// Org reads an organisation.
func (s *Store) Org(ctx context.Context, id string) (surveys.Org, error) {
	var d orgDoc
	err := s.db.Collection(colOrgs).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return surveys.Org{}, surveys.ErrNotFound
	}
	if err != nil {
		return surveys.Org{}, s.fail("read org", err)
	}
	return orgFromDoc(d)
}

// MaxOrgNameLength is the longest organisation name, in characters.
const MaxOrgNameLength = 200

// MaxOrgs bounds the organisations Orgs lists: an installation serves
// tens of organisations (NGOs, municipalities, ministries), so a list
// longer than this is a mistake worth seeing rather than a reason to
// read the collection without end.
const MaxOrgs = 10000

// Orgs lists the organisations, oldest first, at most MaxOrgs (more
// reports whether there were more). It reads the whole collection (a
// deliberate scan, indexes.go): the list is the command line's, for an
// operator, and short.
func (s *Store) Orgs(ctx context.Context) (list []surveys.Org, more bool, err error) {
	cur, err := s.db.Collection(colOrgs).Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(MaxOrgs+1))
	if err != nil {
		return nil, false, s.fail("list orgs", err)
	}
	var docs []orgDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, false, s.fail("list orgs", err)
	}
	if len(docs) > MaxOrgs {
		docs, more = docs[:MaxOrgs], true
	}
	list = make([]surveys.Org, 0, len(docs))
	for _, d := range docs {
		o, err := orgFromDoc(d)
		if err != nil {
			return nil, false, err
		}
		list = append(list, o)
	}
	slices.SortStableFunc(list, func(a, b surveys.Org) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return list, more, nil
}

// RenameOrg sets an organisation's name (validated by the caller: see
// app.RenameOrg). The organisation's id does not change, so tokens,
// surveys and shares stay as they are; the lists that show the name
// (GET /v1/org/shared's owner_org) read it at each request.
func (s *Store) RenameOrg(ctx context.Context, orgID, name string) (surveys.Org, error) {
	res, err := s.col(colOrgs).UpdateOne(ctx, bson.D{{Key: "_id", Value: orgID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "name", Value: name}}}})
	if err != nil {
		return surveys.Org{}, s.fail("rename org", err)
	}
	if res.MatchedCount == 0 {
		return surveys.Org{}, surveys.ErrNotFound
	}
	return s.Org(ctx, orgID)
}

// SetSupportResources replaces an organisation's default support resources.
func (s *Store) SetSupportResources(ctx context.Context, orgID string, rs []surveys.SupportResource) error {
	doc, err := orgToDoc(surveys.Org{SupportResources: rs})
	if err != nil {
		return err
	}
	res, err := s.col(colOrgs).UpdateOne(ctx, bson.D{{Key: "_id", Value: orgID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "support_resources", Value: doc.SupportResources}}}})
	if err != nil {
		return s.fail("set support resources", err)
	}
	if res.MatchedCount == 0 {
		return surveys.ErrNotFound
	}
	return nil
}

// CreateToken stores a token for secret (kept only as its hash).
func (s *Store) CreateToken(ctx context.Context, orgID string, role surveys.Role, name, secret string, now time.Time) (surveys.Token, error) {
	t := surveys.Token{ID: uuid.NewString(), OrgID: orgID, Role: role, Name: name, Hash: surveys.HashToken(secret), CreatedAt: now.UTC()}
	if _, err := s.db.Collection(colTokens).InsertOne(ctx, tokenToDoc(t)); err != nil {
		return t, s.fail("create token", err)
	}
	return t, nil
}

// TokenBySecret finds the live token with this secret.
func (s *Store) TokenBySecret(ctx context.Context, secret string) (surveys.Token, error) {
	var d tokenDoc
	err := s.db.Collection(colTokens).FindOne(ctx, bson.D{{Key: "hash", Value: surveys.HashToken(secret)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return surveys.Token{}, surveys.ErrUnauthorized
	}
	if err != nil {
		return surveys.Token{}, s.fail("read token", err)
	}
	if d.RevokedAt != nil {
		return surveys.Token{}, surveys.ErrUnauthorized
	}
	return tokenFromDoc(d), nil
}

// Tokens lists an organisation's tokens (hashes included; callers must not
// show them).
func (s *Store) Tokens(ctx context.Context, orgID string) ([]surveys.Token, error) {
	cur, err := s.db.Collection(colTokens).Find(ctx, bson.D{{Key: "org_id", Value: orgID}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}}))
	if err != nil {
		return nil, s.fail("list tokens", err)
	}
	var docs []tokenDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, s.fail("list tokens", err)
	}
	out := make([]surveys.Token, len(docs))
	for i, d := range docs {
		out[i] = tokenFromDoc(d)
	}
	return out, nil
}

// ErrLastOwnerToken: revoking the token would leave its organisation with
// no live owner token, so nobody could make tokens or manage it again.
var ErrLastOwnerToken = errors.New("store: the last live owner token of an organisation cannot be revoked; create another owner token first")

// ownerRevocations makes the check and the revocation of an owner token one
// step within this process: two owners revoking each other's tokens at once
// cannot both pass the check.
var ownerRevocations sync.Mutex

// RevokeToken revokes one of an organisation's tokens (orgID empty: any
// organisation, for the command line). Revoking twice is harmless. The last
// live owner token of an organisation is not revoked (ErrLastOwnerToken).
func (s *Store) RevokeToken(ctx context.Context, orgID, tokenID string, now time.Time) (surveys.Token, error) {
	filter := bson.D{{Key: "_id", Value: tokenID}}
	if orgID != "" {
		filter = append(filter, bson.E{Key: "org_id", Value: orgID})
	}
	ownerRevocations.Lock()
	defer ownerRevocations.Unlock()
	var d tokenDoc
	err := s.db.Collection(colTokens).FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return surveys.Token{}, surveys.ErrNotFound
	}
	if err != nil {
		return surveys.Token{}, s.fail("read token", err)
	}
	if d.RevokedAt != nil {
		return tokenFromDoc(d), nil
	}
	owner := surveys.Role(d.Role) == surveys.Owner
	if owner {
		n, err := s.liveOwnerTokens(ctx, d.OrgID)
		if err != nil {
			return surveys.Token{}, err
		}
		if n <= 1 {
			return surveys.Token{}, ErrLastOwnerToken
		}
	}
	t := now.UTC()
	d.RevokedAt = &t
	res, err := s.col(colTokens).UpdateOne(ctx, bson.D{{Key: "_id", Value: tokenID}, {Key: "revoked_at", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: t}}}})
	if err != nil {
		return surveys.Token{}, s.fail("revoke token", err)
	}
	if owner && res.ModifiedCount == 1 {
		// Another process on the same MongoDB may have revoked the other
		// owner token between the count and the update: look again, and
		// take this revocation back if it left nobody.
		n, err := s.liveOwnerTokens(ctx, d.OrgID)
		if err == nil && n == 0 {
			if _, err := s.col(colTokens).UpdateOne(ctx, bson.D{{Key: "_id", Value: tokenID}},
				bson.D{{Key: "$unset", Value: bson.D{{Key: "revoked_at", Value: ""}}}}); err != nil {
				return surveys.Token{}, s.fail("restore token", err)
			}
			return surveys.Token{}, ErrLastOwnerToken
		}
	}
	return tokenFromDoc(d), nil
}

// liveOwnerTokens counts an organisation's owner tokens that are not
// revoked.
func (s *Store) liveOwnerTokens(ctx context.Context, orgID string) (int64, error) {
	n, err := s.db.Collection(colTokens).CountDocuments(ctx, bson.D{
		{Key: "org_id", Value: orgID}, {Key: "role", Value: string(surveys.Owner)}, {Key: "revoked_at", Value: nil}})
	if err != nil {
		return 0, s.fail("count owner tokens", err)
	}
	return n, nil
}
