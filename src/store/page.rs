//! Which rows of a list a query reads: newest first by `(created_at, id)`, a page at a time
//! (keyset paging: a page costs the same however deep it is). `http::page` parses the
//! request's `?limit=&cursor=` into this.

use super::d1::{int, text, Param};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyset {
    /// Rows a page shows; the query reads one more, to know whether another page follows.
    pub limit: u32,
    /// Only rows strictly older than this `(created_at, id)`; `None` from the newest.
    pub before: Option<(i64, String)>,
}

impl Keyset {
    /// The end of a list query over table alias `t`, to follow `AND`: the keyset predicate,
    /// the order and the limit. Its parameters are numbered from `?{first}` (the
    /// statement's earlier ones are `?1`…), and are [`Keyset::params`].
    pub fn sql(t: &str, first: usize) -> String {
        let (at, id, limit) = (first, first + 1, first + 2);
        format!(
            "({t}.created_at < ?{at} OR ({t}.created_at = ?{at} AND {t}.id < ?{id})) \
             ORDER BY {t}.created_at DESC, {t}.id DESC LIMIT ?{limit}"
        )
    }

    /// `params` followed by the three parameters of [`Keyset::sql`].
    pub fn params(&self, mut params: Vec<Param>) -> Vec<Param> {
        let (at, id) = match &self.before {
            Some((at, id)) => (*at, id.as_str()),
            // After every row: a time no row has, and an id above every id.
            None => (i64::MAX >> 11, "\u{10FFFF}"),
        };
        params.extend([int(at), text(id), int(i64::from(self.limit) + 1)]);
        params
    }

    /// Cuts the extra row the query read; the rows kept, and whether more follow.
    pub fn cut<R>(&self, mut rows: Vec<R>) -> (Vec<R>, bool) {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        (rows, more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_static_predicate_is_keysets_own() {
        assert_eq!(keyset_sql!("po"), Keyset::sql("po", 2));
        assert_eq!(keyset_sql!("w"), Keyset::sql("w", 2));
    }

    #[test]
    fn the_predicate_is_numbered_from_where_the_statement_left_off() {
        assert_eq!(
            Keyset::sql("l", 2),
            "(l.created_at < ?2 OR (l.created_at = ?2 AND l.id < ?3)) ORDER BY l.created_at DESC, l.id DESC LIMIT ?4"
        );
        let k = Keyset { limit: 10, before: Some((5, "ln_x".into())) };
        assert_eq!(k.params(vec![text("cr_1")]), vec![text("cr_1"), int(5), text("ln_x"), int(11)]);
        let first = Keyset { limit: 1, before: None }.params(vec![]);
        assert_eq!(first.len(), 3);
    }

    #[test]
    fn cut_keeps_limit_rows() {
        let k = Keyset { limit: 2, before: None };
        assert_eq!(k.cut(vec![3, 2, 1]), (vec![3, 2], true));
        assert_eq!(k.cut(vec![3, 2]), (vec![3, 2], false));
    }
}
