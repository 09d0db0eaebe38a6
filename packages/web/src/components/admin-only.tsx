import type { ReactNode } from 'react';
import { useSession } from '../api/session';
import { NotAvailable } from './ops-common';
import { Page } from './page';

/**
 * A page only platform admins may read: anyone else signed in sees why, and the page's data is
 * never requested (what a user may not see is not fetched).
 */
export function AdminOnly({ title, what, children }: { title: string; what: string; children: ReactNode }) {
  const { session } = useSession();
  if (session?.user && !session.user.isAdmin) {
    return (
      <Page title={title}>
        <NotAvailable what={what} />
      </Page>
    );
  }
  return <>{children}</>;
}
