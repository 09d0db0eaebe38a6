import { Link } from 'react-router-dom';
import { Page } from '../components/page';

export function NotFoundPage() {
  return (
    <Page title="Not found">
      <p>
        There is no page here. <Link to="/">Back to the overview</Link>.
      </p>
    </Page>
  );
}
